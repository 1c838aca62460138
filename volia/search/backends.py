"""Candidate retrieval from the trigram index, one function per database.

Each returns the index rows (id, person_id, name_id, term) most similar to the query terms by
trigram overlap; `volia.search.service` re-ranks them. Every value reaches the database as a
bound parameter; on SQLite each trigram is also quoted as an FTS5 string, so query text can
never act as FTS5 syntax (NEAR, *, OR, column filters...).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter

from django.db import connection
from rapidfuzz import fuzz, process

Row = tuple[int, int, int, str]

# SQLite: candidates are rows holding three, then two, of the RARE_GRAMS rarest trigrams of a
# query term, rarest groups first, at most ROWS_PER_TERM rows per term (then the closest `limit`)
RARE_GRAMS = 6
ROWS_PER_TERM = 1500
ENOUGH_ROWS = 100  # rows from the triples above which pairs are not read
DF_SECONDS = 300.0
DF_SAMPLE = 20_000  # PostgreSQL: rows sampled to estimate trigram frequencies

_COLUMNS = "id, person_id, name_id, term"


def trigrams(term: str) -> set[str]:
    return {term[i:i + 3] for i in range(len(term) - 2)}


def _fts_string(gram: str) -> str:
    """An FTS5 string literal: the trigram between double quotes, inner quotes doubled."""
    return '"' + gram.replace('"', '""') + '"'


def _like_inside(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


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
    """Rows sharing rare trigrams with the query terms, the `limit` closest."""
    if connection.vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"search on {connection.vendor}")
    return _similar_rows(terms, limit)


_df_cache: dict[str, tuple[float, dict[str, int]]] = {}


def forget_frequencies() -> None:
    """Drop this process's cached trigram frequencies (the index changed)."""
    _df_cache.clear()


def _document_frequencies(cur) -> dict[str, int]:
    """Rows per trigram, cached for DF_SECONDS per database: the figures only decide which trigrams
    to read first, so a slightly stale or estimated one is harmless. SQLite: exact, from fts5vocab
    (the alphabet of folded terms is small: a few thousand trigrams). PostgreSQL: estimated from a
    sample of about DF_SAMPLE rows (pg_trgm keeps no such table)."""
    alias = connection.alias
    now = time.monotonic()
    cached = _df_cache.get(alias)
    if cached is None or now - cached[0] > DF_SECONDS:
        if connection.vendor == "sqlite":
            cur.execute("SELECT term, doc FROM search_term_vocab")
            df = dict(cur.fetchall())
        else:
            cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'search_searchterm'::regclass")
            total = max(float(cur.fetchone()[0]), 0.0)
            percent = 100.0 if total <= DF_SAMPLE else 100.0 * DF_SAMPLE / total
            cur.execute("SELECT term FROM search_searchterm TABLESAMPLE SYSTEM (%s)", [percent])
            counts: Counter[str] = Counter()
            for (term,) in cur.fetchall():
                counts.update(trigrams(term))
            df = {g: max(1, round(n * 100.0 / percent)) for g, n in counts.items()}
        cached = _df_cache[alias] = (now, df)
    return cached[1]


def _rare_groups(grams: list[str], df: dict[str, int]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Triples and pairs of the RARE_GRAMS rarest trigrams of a term, rarest first.

    A row is a candidate when it holds every trigram of some group. One or two typos spoil the
    groups they touch and leave the others, and no common trigram's posting list is read whole.
    """
    known = sorted((g for g in grams if df.get(g)), key=lambda g: (df[g], g))
    inner = [g for g in known if " " not in g]  # within a word: more telling than across a space
    rare = (inner if len(inner) >= 2 else known)[:RARE_GRAMS]
    # a trigram the cached figures do not know is rare (absent from the whole vocabulary or the
    # sample) or new since: one of them is tried too, so a name added a moment ago is found
    rare = [g for g in grams if g not in df and " " not in g][:1] + rare
    if len(rare) <= 1:
        return [], [tuple(rare)] if rare else []

    def rarest_first(groups: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        return sorted(groups, key=lambda grp: sum(df.get(g, 0) for g in grp))

    return rarest_first(list(itertools.combinations(rare, 3))), rarest_first(list(itertools.combinations(rare, 2)))


def _match(cur, groups: list[tuple[str, ...]], limit: int) -> list[int]:
    """Ids of rows holding every trigram of some group (at most `limit`)."""
    if connection.vendor == "sqlite":
        expr = " OR ".join("(" + " AND ".join(_fts_string(g) for g in group) + ")" for group in groups)
        cur.execute("SELECT rowid FROM search_term_fts WHERE search_term_fts MATCH %s LIMIT %s", [expr, limit])
    else:  # LIKE '%abc%' is answered by the pg_trgm GIN index
        where = " OR ".join("(" + " AND ".join(["term LIKE %s"] * len(group)) + ")" for group in groups)
        cur.execute(f"SELECT id FROM search_searchterm WHERE {where} LIMIT %s",  # noqa: S608
                    [_like_inside(g) for group in groups for g in group] + [limit])
    return [r for (r,) in cur.fetchall()]


def _similar_rows(terms: list[str], limit: int) -> list[Row]:
    found: dict[int, None] = {}
    done: set[tuple[str, ...]] = set()
    with connection.cursor() as cur:
        df = _document_frequencies(cur)
        for term in terms:
            triples, pairs = _rare_groups(sorted(trigrams(term)), df)
            triples = [t for t in triples if t not in done]
            done.update(triples)
            # rows holding three rare trigrams of the term: few, and the right one among them unless
            # typos spoilt four of the six; otherwise pairs, rarest first, up to the budget
            rows = _match(cur, triples, ROWS_PER_TERM) if triples else []
            for pair in pairs:
                if len(rows) >= ENOUGH_ROWS:
                    break
                if pair not in done:
                    done.add(pair)
                    rows += _match(cur, [pair], ROWS_PER_TERM - len(rows))
            found.update((r, None) for r in rows)
        if not found:
            return []
        out: list[Row] = []
        ids = list(found)
        for i in range(0, len(ids), 900):  # below SQLite's limit on query parameters
            chunk = ids[i:i + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(f"SELECT {_COLUMNS} FROM search_searchterm WHERE id IN ({marks})", chunk)  # noqa: S608
            out.extend(cur.fetchall())
        return _closest(out, terms, limit)


def _closest(rows: list[Row], terms: list[str], limit: int) -> list[Row]:
    """The `limit` rows whose terms are closest to a query term (rapidfuzz ratio, computed in C)."""
    if len(rows) <= limit:
        return rows
    scores = process.cdist(terms, [r[3] for r in rows], scorer=fuzz.ratio, workers=1).max(axis=0)
    best = sorted(range(len(rows)), key=lambda i: -scores[i])[:limit]
    return [rows[i] for i in best]
