"""Name search: `search(query)` finds people by any spelling of their names.

1. The query is folded into skeleton words (`volia.names.keys.query_terms`, the folding the index
   applies to stored names), given names also in their group's canonical form.
2. Each query word is matched against the vocabulary (`volia.search.backends.match_words`):
   equal words, words within one or two edits (symmetric-delete keys) and words it begins.
3. Candidates are the people holding the matches of the rarest query words (by how many people
   hold them): a surname selects a few dozen people, a common given name only scores. They are
   scored by the query words they hold, weighted by rarity (IDF) and closeness.
4. The best of them that the caller may see (`people`, e.g. the queryset of
   `volia.security.policy.visible_people(user)`) are re-ranked on their real names with
   `volia.names.keys.name_similarities` (script, transliteration, be/ru forms, typos, order).
   When a selecting word's matches are held by more people than its budget and the best score is
   not sure, the people holding any of its matches together with a close match of another query
   word (the given name) are ranked too (a surname two typos away, beyond its hundreds of one-typo
   neighbours). When none of them is a convincing match, people holding close matches of two other
   query words (given name and patronymic, say) are tried as well.

One hit per person, best first; a hit shows the person's primary name and the name that matched.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.db.models import QuerySet
from rapidfuzz import fuzz

from volia.names import keys
from volia.registry.models import Person
from volia.search import backends
from volia.search.models import MAX_WORD

MAX_QUERY = 200  # characters; a name is never longer, and the cost of a query grows with it
MAX_LIMIT = 500
MAX_WORDS = 8  # query words looked up (a name has at most five)
MIN_SCORE = 0.6  # below this a name is not a plausible spelling of the query, unless it contains it
CANDIDATES = 500  # people read from posting lists per selecting query word
SELECTING = 2  # query words that select candidates, rarest first
RARE = 1000  # the second one selects only when its closest matches are held by fewer people
SHORTLIST = 20  # people re-ranked with name_similarity (at least `limit`)
SURE = 0.95  # a best score below this also tries the people a selecting word's budget left out
CONVINCING = 0.85  # a best score below this tries the people holding two other query words too
FALLBACK_WORDS = 10  # closest vocabulary words per query word in that second try
ROUGH = 200  # people of the second try compared on their primary names' skeletons first
GIVEN_WEIGHT = math.log(2.0 + 100_000.0 / 2000)  # the most a given name weighs


@dataclass(frozen=True)
class Hit:
    person_id: int
    name: str  # the person's primary name
    matched: str  # the stored name that matched the query best
    score: float  # name similarity in [0, 1]


def query_words(query: str) -> tuple[list[str], list[set[int]]]:
    """The distinct folded words looked up for a query (skeleton words, canonical given names), and
    the readings of the query as sets of word positions (each term of `query_terms`: as written,
    without the patronymic, with given names in canonical form)."""
    words: dict[str, int] = {}
    readings = []
    for term in keys.query_terms(query):
        reading = set()
        for w in term.split():
            w = w[:MAX_WORD]
            if w not in words and len(words) < MAX_WORDS:
                words[w] = len(words)
            if w in words:
                reading.add(words[w])
        readings.append(reading)
    return list(words), readings


def _closest(matches: Sequence[backends.WordMatch]) -> float:
    return max(m.similarity for m in matches)


def _held(matches: Sequence[backends.WordMatch]) -> int:
    """How many people hold the closest matches of a query word."""
    best = _closest(matches)
    return sum(m.people for m in matches if m.similarity == best)


def _weight(matches: Sequence[backends.WordMatch]) -> float:
    """IDF of a query word: from how many people hold its closest matches."""
    return math.log(2.0 + 100_000.0 / max(_held(matches), 1))


def search(query: str, *, limit: int = 20, people: QuerySet[Person] | None = None) -> list[Hit]:
    """People whose names match `query`, best first, at most `limit`, one hit per person.

    `people` restricts the candidates (pass what the caller may see); merged people are never found.
    """
    query = " ".join(str(query).split())[:MAX_QUERY]
    limit = max(0, min(int(limit), MAX_LIMIT))
    if not query or not limit:
        return []
    qwords, readings = query_words(query)
    if not qwords:
        return []
    short = max(len(w) for w in qwords) < 3  # too short for typos: prefix lookups only
    matches = _match(query, qwords, fuzzy=not short)
    looked = [i for i, m in enumerate(matches) if m]
    if not looked:
        return []
    weights = {i: _weight(matches[i]) for i in looked}
    # given names (and diminutives: Vanya, Vika) are common whatever their spelling's rarity as a
    # word: they weigh at most GIVEN_WEIGHT, and select only when nothing else does
    given = _given_words(query, qwords)
    for i in given & set(looked):
        weights[i] = min(weights[i], GIVEN_WEIGHT)
    # which query word each vocabulary word stands for, and how well
    by_word: dict[int, list[tuple[int, float, bool]]] = {}
    for i in looked:
        for m in matches[i]:
            by_word.setdefault(m.word_id, []).append((i, m.similarity, m.exact_or_prefix))

    # candidates: the people holding the rarest query words (rarity: how many people hold a
    # word's closest matches; a surname's dozens of near neighbours in the vocabulary do not make
    # it common), closest words first, within a budget per word. Two words select when both are
    # rare: a diminutive or a rare given name may be rarer than the surname.
    order = sorted(looked, key=lambda i: (i in given, -weights[i], i))
    selecting = [i for i in order if i not in given][:SELECTING] or order[:1]
    candidates: dict[int, None] = {}
    overflowed = []
    for rank, i in enumerate(selecting):
        if rank and _held(matches[i]) > RARE:
            break
        for _wid, pid in backends.holders(matches[i], CANDIDATES):
            candidates[pid] = None
        if sum(m.people for m in matches[i]) > CANDIDATES:
            overflowed.append(i)
    allowed = people if people is not None else Person.objects.all()
    hits = _rank(query, list(candidates), by_word, weights, readings, limit, allowed)
    overflow: dict[int, None] = {}
    widened = bool(overflowed) and (not hits or hits[0].hit.score < SURE)
    if widened:
        # the budget took only a selecting word's closest matches (a short surname has many
        # neighbours one edit away, and the person may be two edits from what was typed): also the
        # people holding any of its matches together with a close match of another query word (the
        # given name), ranked among themselves and merged, so that people holding a close neighbour
        # of the surname besides the given name and patronymic do not crowd the shortlist
        for i in overflowed:
            close = [w for j in order[:4] if j != i for w in _word_ids(matches[j], False)]
            overflow.update(dict.fromkeys(backends.common_holders([_word_ids(matches[i], True), close], CANDIDATES)))
        hits = _merge(hits, _rank(query, [p for p in overflow if p not in candidates], by_word, weights, readings,
                                  limit, allowed), limit)
    if len(looked) >= 2 and (not hits or hits[0].hit.score < CONVINCING):
        # the selecting words may have missed the person (a surname with more typos than tolerated
        # matches other surnames, whose holders filled the budget): also try the people holding
        # any match of the rarest word and a close match of another query word (unless the step
        # above did), and those holding close matches of two other query words, compared on their
        # skeletons first
        first, others = order[0], order[1:4]
        pairs = [] if widened and first in overflowed else [[_word_ids(matches[first], True),
                                                              _word_ids(matches[j], False)] for j in others]
        pairs += [[_word_ids(matches[a], False), _word_ids(matches[b], False)]
                  for a, b in itertools.combinations(others, 2)]
        extra: dict[int, None] = {}
        for groups in pairs:
            extra.update(dict.fromkeys(backends.common_holders(groups, CANDIDATES)))
        more = [pid for pid in extra if pid not in candidates and pid not in overflow]
        hits = _merge(hits, _rank(query, more, by_word, weights, readings, limit, allowed, rough=True), limit)
    return [r.hit for r in hits]


def _match(query: str, qwords: list[str], *, fuzzy: bool) -> list[list[backends.WordMatch]]:
    """`backends.match_words`, with the matches of a word's other forms (`keys.query_variants`: a
    Latin ch read as х; the plain key, where a typo beside a glide or a в stays one edit) added to its
    own at `keys.OTHER_READING` times their similarity."""
    variants = keys.query_variants(query)
    extra = [(i, alt) for i, w in enumerate(qwords) for alt in variants.get(w, ())]
    found = backends.match_words(qwords + [alt for _i, alt in extra], fuzzy=fuzzy)
    matches = found[:len(qwords)]
    for (i, _alt), more in zip(extra, found[len(qwords):], strict=True):
        merged = {m.word_id: m for m in matches[i]}
        for m in more:
            sim = m.similarity * keys.OTHER_READING
            if m.word_id not in merged or merged[m.word_id].similarity < sim:
                merged[m.word_id] = replace(m, similarity=sim, exact_or_prefix=False)
        matches[i] = sorted(merged.values(), key=lambda m: (-m.similarity, -m.people, m.word))
    return matches


def _word_ids(matches: Sequence[backends.WordMatch], everything: bool) -> list[int]:
    """All the matches of a query word, or only its close ones (within 0.1 of the closest, at most
    FALLBACK_WORDS)."""
    if everything:
        return [m.word_id for m in matches]
    close = _closest(matches) - 0.1
    return [m.word_id for m in matches if m.similarity >= close][:FALLBACK_WORDS]


def _given_words(query: str, qwords: list[str]) -> set[int]:
    """Positions of the query words that are given names: the skeletons of the query's tokens that
    are listed given names or diminutives, and the canonical forms those stand for."""
    forms = {keys.fold(t) for t in query.split() if keys.given_name_groups(t)}
    terms = keys.index_terms(query)  # as written, ..., with canonical given names
    if len(terms) > 1:
        forms |= set(terms[-1].split()) - set(terms[0].split())
    return {i for i, w in enumerate(qwords) if w in forms}


def _rank(query: str, candidates: list[int], by_word: dict[int, list[tuple[int, float, bool]]],
          weights: dict[int, float], readings: list[set[int]], limit: int, allowed: QuerySet[Person],
          rough: bool = False) -> list[_Ranked]:
    """Hits among the candidates: pre-scored on the query words they hold, the best SHORTLIST of the
    visible ones re-ranked with name_similarity. `rough`: the pre-score cannot tell them apart (the
    second try, whose people lack a match of the rarest word), so the best ROUGH of them are first
    compared on their primary names' skeletons."""
    # pre-score: the query words each candidate holds, by rarity and closeness
    best: dict[tuple[int, int], float] = {}
    contained: dict[int, set[int]] = {}
    for pid, wid in backends.words_of_people(candidates, list(by_word)):
        for i, sim, exact in by_word[wid]:
            if sim > best.get((pid, i), 0.0):
                best[(pid, i)] = sim
            if exact:
                contained.setdefault(pid, set()).add(i)
    # per reading of the query (as written, without patronymic, canonical given names), the sum over
    # its words; a person scores their best reading, so alternative forms of one word never add up
    per_word: dict[int, dict[int, float]] = {}
    for (pid, i), sim in best.items():
        per_word.setdefault(pid, {})[i] = weights[i] * sim
    prescore: dict[int, float] = dict.fromkeys(candidates, 0.0)
    for pid, word_scores in per_word.items():
        prescore[pid] = max(sum(word_scores.get(i, 0.0) for i in reading) for reading in readings)
    ranked = sorted(candidates, key=lambda pid: (-prescore[pid], pid))
    shortlist: list[int] = []
    want = max(ROUGH if rough else SHORTLIST, limit)
    start, step = 0, 4 * want
    while start < len(ranked):  # the visible ones, best first
        chunk = ranked[start:start + step]
        start, step = start + step, 500
        visible = set(allowed.filter(pk__in=chunk, merged_into__isnull=True).values_list("pk", flat=True))
        shortlist += [pid for pid in chunk if pid in visible][:want - len(shortlist)]
        if len(shortlist) >= want:
            break
    if not shortlist:
        return []
    if rough:
        skeleton = keys.fold(query)
        skeletons = {pid: keys.fold(text) for pid, text, is_primary in backends.names_of_people(shortlist)
                     if is_primary}
        shortlist = sorted(shortlist, key=lambda pid: (-fuzz.token_sort_ratio(skeleton, skeletons.get(pid, "")),
                                                       -prescore[pid], pid))[:max(SHORTLIST, limit)]

    names: dict[int, list[tuple[str, bool]]] = {pid: [] for pid in shortlist}
    for pid, text, primary in backends.names_of_people(shortlist):
        names[pid].append((text, primary))
    texts = [text for pid in shortlist for text, _ in names[pid]]
    scores = iter(keys.name_similarities(query, texts))
    folded, latin = query.casefold(), keys.canonical_latin(query)
    hits = []
    for pid in shortlist:
        if not names[pid]:
            continue
        # ties (the same name in several scripts, or two people's names that fold alike) go to the
        # spelling closest to what was typed, as typed and in canonical Latin (which keeps the
        # vowels and г/х, ц/ч apart)
        score, typed, close, matched = max((next(scores), fuzz.ratio(folded, text.casefold()),
                                            fuzz.ratio(latin, keys.canonical_latin(text)), text)
                                           for text, _ in names[pid])
        # a low score still counts when every word of one reading of the query begins a word of
        # the person's names ("Ales" finds "Алесь Бяляцкі", "Саша" every Аляксандр)
        held = contained.get(pid, set())
        if score < MIN_SCORE and not any(r and held >= r for r in readings):
            continue
        primary_name = next((text for text, primary in names[pid] if primary), names[pid][0][0])
        hits.append(_Ranked(Hit(person_id=pid, name=primary_name, matched=matched, score=round(float(score), 4)),
                            close, typed))
    return _best(hits, limit)


@dataclass(frozen=True)
class _Ranked:
    hit: Hit
    close: float  # canonical-Latin similarity of the matched name to the query (tie-break)
    typed: float  # as typed (tie-break)


def _merge(hits: list[_Ranked], more: list[_Ranked], limit: int) -> list[_Ranked]:
    seen = {r.hit.person_id for r in hits}
    return _best(hits + [r for r in more if r.hit.person_id not in seen], limit) if more else hits


def _best(ranked: list[_Ranked], limit: int) -> list[_Ranked]:
    return sorted(ranked, key=lambda r: (-r.hit.score, -r.close, -r.typed, r.hit.name, r.hit.person_id))[:limit]
