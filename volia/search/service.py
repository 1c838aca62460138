"""Name search: `search(query)` finds people by any spelling of their names.

1. The query is folded into one or more skeletons (`volia.names.keys.query_terms`), the same
   folding the index applies to stored names (`index_terms`).
2. Candidates come from the trigram index (`volia.search.backends`): index rows sharing the
   most trigrams with a skeleton, plus rows whose skeleton starts with it. A query whose
   skeleton is shorter than a trigram is an exact-prefix lookup only.
3. Candidates are narrowed to the people the caller may see (`people`, e.g. the queryset of
   `volia.security.policy.visible_people(user)`), pre-scored on the skeletons with rapidfuzz,
   and the best few people are re-ranked on their real names with
   `volia.names.keys.name_similarity` (script, transliteration, be/ru forms, typos, order).

One hit per person, best first; a hit shows the person's primary name and the name that matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from rapidfuzz import fuzz

from volia.names import keys
from volia.registry.models import Person, PersonName
from volia.search import backends

MAX_QUERY = 200  # characters; a name is never longer, and the cost of a query grows with it
MAX_LIMIT = 500
MIN_SCORE = 0.6  # below this a name is not a plausible spelling of the query, unless it contains it
CANDIDATES = 300  # index rows read per query
SHORTLIST = 20  # people re-ranked with name_similarity (at least `limit`)


@dataclass(frozen=True)
class Hit:
    person_id: int
    name: str  # the person's primary name
    matched: str  # the stored name that matched the query best
    score: float  # name similarity in [0, 1]


def _contains(queries: Sequence[str], terms: set[str]) -> bool:
    """Every word of a folded query begins a word of a folded name ("ales" in "alas balatki")."""
    for term in terms:
        words = term.split()
        for q in queries:
            if all(any(w.startswith(qw) for w in words) for qw in q.split()):
                return True
    return False


def _prescore(queries: Sequence[str], term: str) -> float:
    return max((fuzz.token_sort_ratio(q, term) + fuzz.token_set_ratio(q, term)) / 2 for q in queries)


def search(query: str, *, limit: int = 20, people: QuerySet[Person] | None = None) -> list[Hit]:
    """People whose names match `query`, best first, at most `limit`, one hit per person.

    `people` restricts the candidates (pass what the caller may see); merged people are never found.
    """
    query = " ".join(str(query).split())[:MAX_QUERY]
    limit = max(0, min(int(limit), MAX_LIMIT))
    if not query or not limit:
        return []
    terms = [t for t in dict.fromkeys(keys.query_terms(query)) if t.strip()]
    if not terms:
        return []
    short = max(len(t) for t in terms) < 3
    n = max(CANDIDATES, 5 * limit)
    rows = backends.prefix_rows(terms, n)
    if not short:
        rows += backends.similar_rows(terms, n)
    if not rows:
        return []

    best: dict[int, float] = {}
    matched_terms: dict[int, set[str]] = {}
    for _id, pid, _nid, term in rows:
        s = 100.0 if short else _prescore(terms, term)
        if s > best.get(pid, -1.0):
            best[pid] = s
        matched_terms.setdefault(pid, set()).add(term)
    allowed = people if people is not None else Person.objects.all()
    visible = set(allowed.filter(pk__in=list(best), merged_into__isnull=True).values_list("pk", flat=True))
    ranked = sorted((pid for pid in best if pid in visible), key=lambda pid: (-best[pid], pid))
    shortlist = ranked[:max(SHORTLIST, limit)]

    names: dict[int, list[tuple[str, bool]]] = {pid: [] for pid in shortlist}
    for pid, text, primary in PersonName.objects.filter(person_id__in=shortlist).order_by("id").values_list(
            "person_id", "text", "is_primary"):
        names[pid].append((text, primary))
    folded = query.casefold()
    hits = []
    for pid in shortlist:
        if not names[pid]:
            continue
        # ties (the same name in several scripts) go to the spelling closest to what was typed
        score, _, matched = max((keys.name_similarity(query, text), fuzz.ratio(folded, text.casefold()), text)
                                for text, _ in names[pid])
        if score < MIN_SCORE and not short and not _contains(terms, matched_terms[pid]):
            continue
        primary_name = next((text for text, primary in names[pid] if primary), names[pid][0][0])
        hits.append(Hit(person_id=pid, name=primary_name, matched=matched, score=round(float(score), 4)))
    hits.sort(key=lambda h: (-h.score, h.name, h.person_id))
    return hits[:limit]
