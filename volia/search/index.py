"""Building and checking the search index (`SearchTerm` rows and the trigram index over them).

`refresh(person_ids)` rewrites the rows of some people; the registry services call it inside
their own transaction whenever a name is created or changed, and the importer calls it for
the people an import touched. `rebuild()` rewrites the whole index; `check()` compares what
is stored with what the names give today (a stale index after a change in the folding rules,
or rows written around the services).

Only current people are indexed: a person merged into another (`merged_into` set) has no rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from django.db import DatabaseError, connection, transaction

from volia.names import keys
from volia.registry import bulk
from volia.registry.models import Person, PersonName
from volia.search import backends
from volia.search.models import SearchTerm

CHUNK = 2000


def terms_for(text: str, language: str | None) -> list[str]:
    """The folded terms stored for one name: deduplicated, empty ones dropped."""
    return [t for t in dict.fromkeys(keys.index_terms(text, language or None)) if t.strip()]


def expected_rows(person_ids: Iterable[int]) -> list[tuple[int, int, str]]:
    """(person_id, name_id, term) rows the index should hold for these people."""
    ids = list(person_ids)
    names = (PersonName.objects.filter(person_id__in=ids, person__merged_into__isnull=True)
             .order_by("person_id", "id").values_list("id", "person_id", "text", "language"))
    return [(pid, nid, term) for nid, pid, text, lang in names for term in terms_for(text, lang)]


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


@transaction.atomic
def refresh(person_ids: Iterable[int]) -> None:
    """Rebuild the index rows of these people (none for merged or deleted people)."""
    ids = sorted(set(person_ids))
    for chunk in _chunks(ids):
        SearchTerm.objects.filter(person_id__in=chunk).delete()
        bulk.insert(SearchTerm, ["person_id", "name_id", "term"], expected_rows(chunk))
    backends.forget_frequencies()


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    """Rewrite the whole index, one transaction per chunk of people; returns the number of rows."""
    with transaction.atomic():
        _clear()
    ids = list(Person.objects.filter(merged_into__isnull=True).order_by("id").values_list("id", flat=True))
    n = 0
    for chunk in _chunks(ids, 10000):
        rows = expected_rows(chunk)
        with transaction.atomic():
            bulk.insert(SearchTerm, ["person_id", "name_id", "term"], rows)
        n += len(rows)
        if progress:
            progress(len(chunk))
    backends.forget_frequencies()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:  # merge the FTS5 segments written chunk by chunk
            cur.execute("INSERT INTO search_term_fts(search_term_fts) VALUES ('optimize')")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE search_searchterm")
    return n


def _clear() -> None:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            # the delete trigger would remove the rows from the FTS table one by one; empty both at once
            cur.execute("DROP TRIGGER IF EXISTS search_term_ad")
            try:
                cur.execute("DELETE FROM search_searchterm")
                cur.execute("INSERT INTO search_term_fts(search_term_fts) VALUES ('delete-all')")
            finally:
                cur.execute("CREATE TRIGGER search_term_ad AFTER DELETE ON search_searchterm BEGIN "
                            "INSERT INTO search_term_fts(search_term_fts, rowid, term) "
                            "VALUES ('delete', old.id, old.term); END")
        else:
            # not TRUNCATE: it fails inside a transaction that has deferred foreign-key checks pending
            cur.execute("DELETE FROM search_searchterm")


def check(progress: Callable[[int], None] | None = None) -> list[str]:
    """Differences between the stored index and the one the names give today (empty: up to date)."""
    problems: list[str] = []
    ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    for chunk in _chunks(ids):
        want = set(expected_rows(chunk))
        have = set(SearchTerm.objects.filter(person_id__in=chunk).values_list("person_id", "name_id", "term"))
        for pid in sorted({r[0] for r in want ^ have}):
            missing = sorted(t for p, _, t in want - have if p == pid)
            extra = sorted(t for p, _, t in have - want if p == pid)
            detail = "; ".join(part for part in (f"missing {missing}" if missing else "",
                                                 f"not expected {extra}" if extra else "") if part)
            problems.append(f"person #{pid}: search index is stale ({detail})")
        if progress:
            progress(len(chunk))
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            try:
                cur.execute("INSERT INTO search_term_fts(search_term_fts, rank) VALUES ('integrity-check', 1)")
            except DatabaseError as exc:
                problems.append(f"the FTS5 trigram index does not match the search terms: {exc}")
    return problems
