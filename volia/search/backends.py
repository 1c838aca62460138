"""Candidate retrieval from the trigram index, one function per database.

Each returns the index rows (id, person_id, name_id, term) most similar to the query terms by
trigram overlap; `volia.search.service` re-ranks them. Every value reaches the database as a
bound parameter; on SQLite each trigram is also quoted as an FTS5 string, so query text can
never act as FTS5 syntax (NEAR, *, OR, column filters...).
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, transaction

Row = tuple[int, int, int, str]

# SQLite: how many postings (trigram occurrences) one query may read, rarest trigrams first.
# A trigram occurring in more rows than this says little about a name; reading it would
# cost more than the rest of the search.
POSTING_BUDGET = 60_000
# PostgreSQL: rows whose trigram similarity (pg_trgm) reaches this are candidates
PG_THRESHOLD = 0.25

_COLUMNS = "id, person_id, name_id, term"


def trigrams(term: str) -> set[str]:
    return {term[i:i + 3] for i in range(len(term) - 2)}


def _fts_string(gram: str) -> str:
    """An FTS5 string literal: the trigram between double quotes, inner quotes doubled."""
    return '"' + gram.replace('"', '""') + '"'


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def prefix_rows(prefixes: list[str], limit: int) -> list[Row]:
    """Rows whose term starts with one of the prefixes (exact, case as stored), in term order."""
    rows: list[Row] = []
    with connection.cursor() as cur:
        for p in prefixes:
            if connection.vendor == "sqlite":
                # a range on the binary-collated index is an exact prefix test
                cur.execute(f"SELECT {_COLUMNS} FROM search_searchterm WHERE term >= %s AND term < %s "  # noqa: S608
                            "ORDER BY term LIMIT %s", [p, p + "\U0010ffff", limit])
            else:
                cur.execute(f"SELECT {_COLUMNS} FROM search_searchterm WHERE term LIKE %s "  # noqa: S608
                            "ORDER BY term LIMIT %s", [_like_prefix(p), limit])
            rows.extend(cur.fetchall())
    return rows


def similar_rows(terms: list[str], limit: int) -> list[Row]:
    if connection.vendor == "postgresql":
        return _similar_postgres(terms, limit)
    if connection.vendor == "sqlite":
        return _similar_sqlite(terms, limit)
    raise NotImplementedError(f"search on {connection.vendor}")


def _similar_sqlite(terms: list[str], limit: int) -> list[Row]:
    shared: Counter[int] = Counter()
    with connection.cursor() as cur:
        for term in terms:
            grams = sorted(trigrams(term))
            if not grams:
                continue
            marks = ", ".join(["%s"] * len(grams))
            cur.execute(f"SELECT term, doc FROM search_term_vocab WHERE term IN ({marks})", grams)  # noqa: S608
            df = dict(cur.fetchall())
            counts: Counter[int] = Counter()
            spent = 0
            for gram in sorted((g for g in grams if df.get(g)), key=lambda g: (df[g], g)):
                if spent and spent + df[gram] > POSTING_BUDGET:
                    break
                spent += df[gram]
                cur.execute("SELECT rowid FROM search_term_fts WHERE search_term_fts MATCH %s LIMIT %s",
                            [_fts_string(gram), POSTING_BUDGET])
                counts.update(r for (r,) in cur.fetchall())
            for rowid, n in counts.items():
                if n > shared[rowid]:
                    shared[rowid] = n
        best = [rowid for rowid, _ in shared.most_common(limit)]
        if not best:
            return []
        marks = ", ".join(["%s"] * len(best))
        cur.execute(f"SELECT {_COLUMNS} FROM search_searchterm WHERE id IN ({marks})", best)  # noqa: S608
        return cur.fetchall()


def _similar_postgres(terms: list[str], limit: int) -> list[Row]:
    rows: list[Row] = []
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(PG_THRESHOLD)])
        for term in terms:
            cur.execute(f"SELECT {_COLUMNS} FROM search_searchterm WHERE term %% %s "  # noqa: S608
                        "ORDER BY similarity(term, %s) DESC, id LIMIT %s", [term, term, limit])
            rows.extend(cur.fetchall())
    return rows
