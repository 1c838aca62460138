"""Candidate retrieval from the trigram index, one function per database.

Each returns the index rows (id, person_id, name_id, term) most similar to the query terms by
trigram overlap; `volia.search.service` re-ranks them. Every value reaches the database as a
bound parameter; on SQLite each trigram is also quoted as an FTS5 string, so query text can
never act as FTS5 syntax (NEAR, *, OR, column filters...).
"""

from __future__ import annotations

import heapq
import itertools

from django.db import connection, transaction

Row = tuple[int, int, int, str]

# SQLite: candidates are rows sharing two of the RARE_GRAMS rarest trigrams of a query term,
# at most ROWS_PER_TERM rows per term (then the closest `limit` of them by trigram overlap)
RARE_GRAMS = 6
ROWS_PER_TERM = 3000
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


def _rare_pairs(grams: list[str], df: dict[str, int]) -> list[tuple[str, str]]:
    """Pairs among the RARE_GRAMS rarest trigrams of a term that occur in the index.

    A row is a candidate when it has both trigrams of some pair: one or two typos spoil the
    pairs they touch and leave the others, while the rows sharing two rare trigrams by chance
    are few, so no common trigram's long posting list is ever read whole.
    """
    present = sorted((g for g in grams if df.get(g)), key=lambda g: (df[g], g))
    inner = [g for g in present if " " not in g]  # within a word: more telling than across a space
    rare = (inner if len(inner) >= 2 else present)[:RARE_GRAMS]
    if len(rare) == 1:
        return [(rare[0], rare[0])]
    return list(itertools.combinations(rare, 2))


def _similar_sqlite(terms: list[str], limit: int) -> list[Row]:
    found: list[int] = []
    with connection.cursor() as cur:
        for term in terms:
            grams = sorted(trigrams(term))
            if not grams:
                continue
            marks = ", ".join(["%s"] * len(grams))
            cur.execute(f"SELECT term, doc FROM search_term_vocab WHERE term IN ({marks})", grams)  # noqa: S608
            pairs = _rare_pairs(grams, dict(cur.fetchall()))
            if not pairs:
                continue
            expr = " OR ".join(f"({_fts_string(a)} AND {_fts_string(b)})" for a, b in pairs)
            cur.execute("SELECT rowid FROM search_term_fts WHERE search_term_fts MATCH %s LIMIT %s",
                        [expr, ROWS_PER_TERM])
            found.extend(r for (r,) in cur.fetchall())
        if not found:
            return []
        out: list[Row] = []
        ids = sorted(set(found))
        for i in range(0, len(ids), 900):  # below SQLite's limit on query parameters
            chunk = ids[i:i + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"SELECT {_COLUMNS} FROM search_searchterm WHERE id IN ({marks})", chunk)  # noqa: S608
            out.extend(cur.fetchall())
        return _closest(out, terms, limit)


def _closest(rows: list[Row], terms: list[str], limit: int) -> list[Row]:
    """The `limit` rows whose terms share the most trigrams with a query term (Dice coefficient)."""
    wanted = [trigrams(t) for t in terms]

    def dice(row: Row) -> float:
        have = trigrams(row[3])
        return max((2 * len(w & have) / (len(w) + len(have)) for w in wanted if w or have), default=0.0)

    return heapq.nlargest(limit, rows, key=dice) if len(rows) > limit else rows


def _similar_postgres(terms: list[str], limit: int) -> list[Row]:
    rows: list[Row] = []
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(PG_THRESHOLD)])
        for term in terms:
            cur.execute(f"SELECT {_COLUMNS} FROM search_searchterm WHERE term %% %s "  # noqa: S608
                        "ORDER BY similarity(term, %s) DESC, id LIMIT %s", [term, term, limit])
            rows.extend(cur.fetchall())
    return rows
