"""Reading the word index: vocabulary words close to query words, and the people holding them.

The same SQL serves SQLite and PostgreSQL but for two things: the prefix test (a range on SQLite's
binary-collated index, LIKE on PostgreSQL's pattern-ops index) and lists of values (`IN (%s, ...)` on
SQLite, one array parameter `= ANY(%s)` on PostgreSQL). Every value reaches the database as a bound
parameter; query text is never part of the SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from rapidfuzz.distance import OSA

from volia.search.index import deletion_keys, query_edits

PREFIX_WORDS = 30  # vocabulary words read per query word by prefix
IN_CHUNK = 500  # values per IN (...) list or array


@dataclass(frozen=True)
class WordMatch:
    word_id: int
    word: str
    people: int  # current people holding the word
    similarity: float  # 1.0 equal; 1 - edits / longer length within the tolerated edits; PREFIX_SIMILARITY for a prefix
    exact_or_prefix: bool


PREFIX_SIMILARITY = 0.8


def _in(column: str, values: Sequence) -> tuple[str, list]:
    """`column IN (values)`: one array parameter on PostgreSQL (`= ANY(%s)`, whose SQL text is the
    same whatever the number of values, so that psycopg converts it once instead of parsing a long
    list of placeholders on every query), one placeholder per value on SQLite."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def match_words(qwords: Sequence[str], *, fuzzy: bool = True) -> list[list[WordMatch]]:
    """For each query word, the vocabulary words held by someone that equal it, are within
    `query_edits` of it (`fuzzy`), or begin with it, best first."""
    out: list[dict[int, WordMatch]] = [{} for _ in qwords]
    with connection.cursor() as cur:
        if fuzzy:
            wanted = [deletion_keys(q, query_edits(len(q))) for q in qwords]
            all_keys = sorted(set().union(*wanted))
            # two index lookups, not a join: the plan stays right without table statistics
            word_ids: set[int] = set()
            for i in range(0, len(all_keys), IN_CHUNK):
                chunk = all_keys[i:i + IN_CHUNK]
                where, params = _in("key", chunk)
                cur.execute(f"SELECT word_id FROM search_searchwordkey WHERE {where}", params)  # noqa: S608
                word_ids.update(r for (r,) in cur.fetchall())
            ids = sorted(word_ids)
            for i in range(0, len(ids), IN_CHUNK):
                id_chunk = ids[i:i + IN_CHUNK]
                where, params = _in("id", id_chunk)
                cur.execute(f"SELECT id, word, people FROM search_searchword WHERE {where} AND people > 0",  # noqa: S608
                            params)
                for wid, word, people in cur.fetchall():
                    for qi, q in enumerate(qwords):
                        limit = query_edits(len(q))
                        d = OSA.distance(q, word, score_cutoff=limit)
                        if d <= limit:
                            # closeness as the name comparison measures skeletons: the share of the
                            # longer word's letters left unedited
                            sim = 1.0 - d / max(len(q), len(word))
                            out[qi][wid] = WordMatch(wid, word, people, sim, d == 0)
        else:
            for qi, q in enumerate(qwords):
                cur.execute("SELECT id, word, people FROM search_searchword WHERE word = %s AND people > 0", [q])
                for wid, word, people in cur.fetchall():
                    out[qi][wid] = WordMatch(wid, word, people, 1.0, True)
        for qi, q in enumerate(qwords):
            if connection.vendor == "sqlite":
                # a range on the binary-collated unique index is an exact prefix test
                cur.execute("SELECT id, word, people FROM search_searchword WHERE word > %s AND word < %s "
                            "AND people > 0 ORDER BY word LIMIT %s", [q, q + "\U0010ffff", PREFIX_WORDS])
            else:
                cur.execute("SELECT id, word, people FROM search_searchword WHERE word LIKE %s AND word <> %s "
                            "AND people > 0 ORDER BY word LIMIT %s", [_like_prefix(q), q, PREFIX_WORDS])
            for wid, word, people in cur.fetchall():
                if wid not in out[qi]:
                    out[qi][wid] = WordMatch(wid, word, people, PREFIX_SIMILARITY, True)
    return [sorted(m.values(), key=lambda m: (-m.similarity, -m.people, m.word)) for m in out]


def holders(matches: Sequence[WordMatch], limit: int) -> list[tuple[int, int]]:
    """(word_id, person_id) postings of these words, closest words first, at most about `limit`:
    words are taken in order while the people they are counted for fit in the budget (the first
    one always, cut at `limit`)."""
    chosen: list[int] = []
    total = 0
    for m in sorted(matches, key=lambda m: (-m.similarity, m.people, m.word_id)):
        if chosen and total + m.people > limit:
            continue  # a rarer, less close word may still fit
        chosen.append(m.word_id)
        total += m.people
    rows: list[tuple[int, int]] = []
    with connection.cursor() as cur:
        for i in range(0, len(chosen), IN_CHUNK):
            chunk = chosen[i:i + IN_CHUNK]
            where, params = _in("word_id", chunk)
            cur.execute(f"SELECT word_id, person_id FROM search_searchposting WHERE {where} LIMIT %s",  # noqa: S608
                        [*params, limit - len(rows)])
            rows += cur.fetchall()
            if len(rows) >= limit:
                break
    return rows


def names_of_people(person_ids: Sequence[int]) -> list[tuple[int, str, bool]]:
    """(person_id, text, is_primary) of every name of these people, in the order they were added."""
    if not person_ids:
        return []
    with connection.cursor() as cur:
        where, params = _in("person_id", person_ids)
        cur.execute(f"SELECT person_id, text, is_primary FROM registry_personname WHERE {where} ORDER BY id",  # noqa: S608
                    params)
        return [(pid, text, bool(primary)) for pid, text, primary in cur.fetchall()]


def words_of_people(person_ids: Sequence[int], word_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(person_id, word_id) for the given people that hold one of the given words."""
    if not person_ids or not word_ids:
        return []
    wanted = set(word_ids)
    out: list[tuple[int, int]] = []
    with connection.cursor() as cur:
        for i in range(0, len(person_ids), IN_CHUNK):
            where, params = _in("person_id", person_ids[i:i + IN_CHUNK])
            cur.execute(f"SELECT person_id, word_id FROM search_searchposting WHERE {where}", params)  # noqa: S608
            out += [(pid, wid) for pid, wid in cur.fetchall() if wid in wanted]
    return out


def common_holders(groups: Sequence[Sequence[int]], limit: int) -> list[int]:
    """People holding at least one word of every group (groups of word ids), at most `limit`."""
    if not groups or any(not g for g in groups):
        return []
    parts, params = [], []
    for g in groups:
        where, values = _in("word_id", g)
        parts.append(f"SELECT person_id FROM search_searchposting WHERE {where}")  # noqa: S608
        params += values
    with connection.cursor() as cur:
        cur.execute(" INTERSECT ".join(parts) + " LIMIT %s", [*params, limit])
        return [pid for (pid,) in cur.fetchall()]
