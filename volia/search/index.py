"""Building and checking the search index: the word vocabulary, its typo keys and posting lists.

`refresh(person_ids)` rewrites the postings of some people (adding new words to the vocabulary
with their keys, and keeping each word's `people` count); the registry services call it inside
their own transaction whenever a name is created or changed, the admin when a name is edited
there, the importer for the people an import touched, and the merge services for both people.
`rebuild()` rewrites the whole index in bulk; `check()` compares what is stored with what the
names give today (a stale index after a change in the folding rules, or rows written around
the services).

Only current people are indexed: a person merged into another (`merged_into` set) has no postings.
All SQL is the same on SQLite and PostgreSQL and takes its values as bound parameters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db import connection, transaction

from volia.names import keys
from volia.registry import bulk
from volia.registry.models import Person, PersonName
from volia.search.models import MAX_WORD, SearchPosting, SearchWord, SearchWordKey

CHUNK = 500  # ids per IN (...) list
REBUILD_CHUNK = 20_000  # people per transaction in rebuild()
MAX_KEYED = 24  # longer words get no deletion keys (exact and prefix matches only)


def max_edits(length: int) -> int:
    """Typos tolerated in a folded word of this length: none below 4 letters, one up to 6, two from 7."""
    return 0 if length < 4 else 1 if length < 7 else 2


def query_edits(length: int) -> int:
    """Typos a query word of this length may be from a vocabulary word: as `max_edits`, but one from 3
    letters and two from 5. A stored word of 7+ letters has keys two deletions deep, so a query word of
    5-6 letters two edits from it shares a key when the query side deletes up to two letters too
    (Зыманіна typed Зыманіёа; `vasava` for `vazasava`); a stored word of 4 letters has keys one deletion
    deep, so a query word of 3 letters missing one of its letters meets it (`ptr` for Пётр, `patr`).
    (Stored keys two deletions deep for words of 5-6 letters too found a few more people, but doubled
    the vocabulary words each query reads: PostgreSQL p50 17.5 -> 30 ms at 1,000,000 names.)"""
    return 1 if length == 3 else 2 if length >= 5 else max_edits(length)


def deletion_keys(word: str, edits: int | None = None) -> set[str]:
    """The word and every string made from it by deleting up to `edits` letters
    (default `max_edits(len(word))`, what the index stores).

    Two words within that many edits of each other (insertions, deletions, substitutions,
    transpositions) share a key; the search verifies the real distance afterwards.
    """
    out = {word}
    if len(word) > MAX_KEYED:
        return out
    frontier = {word}
    for _ in range(max_edits(len(word)) if edits is None else edits):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def words_of(text: str, language: str | None = None) -> list[str]:
    """The distinct folded words indexed for one name: its skeleton words and the canonical forms
    of its given names (`index_terms`), in order, each cut to MAX_WORD characters."""
    return list(dict.fromkeys(w[:MAX_WORD] for term in keys.index_terms(text, language or None)
                              for w in term.split()))


def _chunks(ids: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def expected_postings(person_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(person_id, word) pairs the index should hold for these people."""
    ids = list(person_ids)
    out: set[tuple[int, str]] = set()
    for chunk in _chunks(ids):
        names = (PersonName.objects.filter(person_id__in=chunk, person__merged_into__isnull=True)
                 .values_list("person_id", "text", "language"))
        for pid, text, lang in names:
            out.update((pid, w) for w in words_of(text, lang))
    return out


def _word_ids(cur, words: set[str]) -> dict[str, int]:
    """Ids of these words, adding the missing ones (and their keys) to the vocabulary."""
    found: dict[str, int] = {}
    todo = sorted(words)
    for chunk in _chunks(todo):
        cur.execute(f"SELECT word, id FROM search_searchword WHERE word IN ({_marks(len(chunk))})",  # noqa: S608
                    list(chunk))
        found.update(cur.fetchall())
    missing = [w for w in todo if w not in found]
    if missing:
        # ON CONFLICT: a concurrent transaction may be adding the same word; then its row is used
        cur.executemany("INSERT INTO search_searchword (word, people) VALUES (%s, 0) ON CONFLICT (word) DO NOTHING",
                        [(w,) for w in missing])
        for chunk in _chunks(missing):
            cur.execute(f"SELECT word, id FROM search_searchword WHERE word IN ({_marks(len(chunk))})",  # noqa: S608
                        list(chunk))
            found.update(cur.fetchall())
        cur.executemany("INSERT INTO search_searchwordkey (key, word_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                        [(k, found[w]) for w in missing for k in sorted(deletion_keys(w))])
    return found


@transaction.atomic
def refresh(person_ids: Iterable[int]) -> None:
    """Rewrite the postings of these people (none for merged or deleted people)."""
    ids = sorted(set(person_ids))
    with connection.cursor() as cur:
        for chunk in _chunks(ids):
            marks = _marks(len(chunk))
            cur.execute(f"SELECT word_id, count(*) FROM search_searchposting WHERE person_id IN ({marks}) "  # noqa: S608
                        "GROUP BY word_id", list(chunk))
            delta: Counter[int] = Counter()
            for wid, n in cur.fetchall():
                delta[wid] -= n
            cur.execute(f"DELETE FROM search_searchposting WHERE person_id IN ({marks})", list(chunk))  # noqa: S608
            pairs = expected_postings(chunk)
            wids = _word_ids(cur, {w for _, w in pairs})
            rows = sorted((wids[w], pid) for pid, w in pairs)
            bulk.insert(SearchPosting, ["word_id", "person_id"], rows)
            for wid, _ in rows:
                delta[wid] += 1
            # in id order, so that concurrent refreshes lock shared words in the same order
            changes = sorted((wid, d) for wid, d in delta.items() if d)
            cur.executemany("UPDATE search_searchword SET people = people + %s WHERE id = %s",
                            [(d, wid) for wid, d in changes])


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Rewrite the whole index, one transaction per REBUILD_CHUNK people; returns the number of postings.

    Each distinct name text is folded once; new words, their keys and the postings are written
    with bulk inserts (executemany on SQLite, COPY on PostgreSQL).
    """
    with transaction.atomic(), connection.cursor() as cur:
        for table in ("search_searchposting", "search_searchwordkey", "search_searchword"):
            # not TRUNCATE: it fails inside a transaction that has deferred foreign-key checks pending
            cur.execute(f"DELETE FROM {table}")  # noqa: S608
    ids = list(Person.objects.filter(merged_into__isnull=True).order_by("id").values_list("id", flat=True))
    vocabulary: dict[str, int] = {}
    people: Counter[int] = Counter()
    folded: dict[tuple[str, str], list[str]] = {}
    n = 0
    for chunk in _chunks(ids, REBUILD_CHUNK):
        pairs: set[tuple[int, int]] = set()
        new_words: list[str] = []
        for c in _chunks(chunk, 5000):
            for pid, text, lang in PersonName.objects.filter(person_id__in=c).values_list(
                    "person_id", "text", "language").iterator(chunk_size=5000):
                words = folded.get((text, lang))
                if words is None:
                    words = folded[(text, lang)] = words_of(text, lang)
                for w in words:
                    wid = vocabulary.get(w)
                    if wid is None:
                        wid = vocabulary[w] = len(vocabulary) + 1
                        new_words.append(w)
                    pairs.add((wid, pid))
        if len(folded) > 500_000:
            folded.clear()
        rows = sorted(pairs)
        for wid, _ in rows:
            people[wid] += 1
        with transaction.atomic():
            bulk.insert(SearchWord, ["id", "word", "people"], [(vocabulary[w], w, 0) for w in new_words])
            bulk.insert(SearchWordKey, ["key", "word_id"],
                        [(k, vocabulary[w]) for w in new_words for k in deletion_keys(w)])
            bulk.insert(SearchPosting, ["word_id", "person_id"], rows)
        n += len(rows)
        if progress:
            progress(len(chunk))
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany("UPDATE search_searchword SET people = %s WHERE id = %s",
                        [(c, wid) for wid, c in sorted(people.items())])
        if connection.vendor == "postgresql":
            # the ids were given explicitly: move the sequence past them for later inserts
            cur.execute("SELECT setval(pg_get_serial_sequence('search_searchword', 'id'), "
                        "GREATEST((SELECT MAX(id) FROM search_searchword), 1))")
    with connection.cursor() as cur:
        # fresh statistics for the planner (autovacuum may be off or late after millions of rows);
        # on PostgreSQL also the visibility map, so that index-only scans skip the table (VACUUM
        # cannot run inside a transaction, e.g. in migration 0003: ANALYZE only then)
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        for table in ("search_searchword", "search_searchwordkey", "search_searchposting"):
            cur.execute(f"{'VACUUM ANALYZE' if vacuum else 'ANALYZE'} {table}")
    return n


def check(progress: Callable[[int], None] | None = None) -> list[str]:
    """Differences between the stored index and the one the names give today (empty: up to date)."""
    problems: list[str] = []
    ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as cur:
        for chunk in _chunks(ids, 2000):
            want = expected_postings(chunk)
            have: set[tuple[int, str]] = set()
            for c in _chunks(chunk):
                cur.execute("SELECT p.person_id, w.word FROM search_searchposting p JOIN search_searchword w "  # noqa: S608
                            f"ON w.id = p.word_id WHERE p.person_id IN ({_marks(len(c))})", list(c))
                have.update(cur.fetchall())
            for pid in sorted({r[0] for r in want ^ have}):
                missing = sorted(w for p, w in want - have if p == pid)
                extra = sorted(w for p, w in have - want if p == pid)
                detail = "; ".join(part for part in (f"missing {missing}" if missing else "",
                                                     f"not expected {extra}" if extra else "") if part)
                problems.append(f"person #{pid}: search index is stale ({detail})")
            if progress:
                progress(len(chunk))
        cur.execute("SELECT w.word, w.people, (SELECT count(*) FROM search_searchposting p WHERE p.word_id = w.id) "
                    "FROM search_searchword w WHERE w.people <> "
                    "(SELECT count(*) FROM search_searchposting p WHERE p.word_id = w.id) ORDER BY w.word")
        problems += [f"word {w!r}: counted for {n} people, held by {m}" for w, n, m in cur.fetchall()]
        # every word must be reachable through each of its keys (an extra key only costs a lookup)
        cur.execute("SELECT id, word FROM search_searchword ORDER BY id")
        words = dict(cur.fetchall())
        want_keys = sorted((k, wid) for wid, w in words.items() for k in deletion_keys(w))
        bad: set[int] = set()
        for chunk in _chunks(want_keys):
            distinct = sorted({k for k, _ in chunk})  # words share keys
            cur.execute(f"SELECT key, word_id FROM search_searchwordkey WHERE key IN ({_marks(len(distinct))})",  # noqa: S608
                        distinct)
            have_keys = set(cur.fetchall())
            bad.update(wid for k, wid in chunk if (k, wid) not in have_keys)
        problems += [f"word {words[wid]!r}: typo keys missing" for wid in sorted(bad)]
    return problems

