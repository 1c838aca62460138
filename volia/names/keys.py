"""Match keys for personal names written in any script, transliteration or language form.

A Belarusian political prisoner's name reaches the registry as ``Аляксандр Бяляцкі``,
``Александр Беляцкий``, ``Aliaksandr Bialiatski``, ``Ales Byalyatski``, ``Aleś Białacki``...
This module folds every such spelling to one lower-case Latin *skeleton* and compares
skeletons with given-name equivalences, so that they score as one name.

The skeleton (:func:`fold`) is built in two steps:

1. *canonical Latin*: Cyrillic (Belarusian or Russian) is romanised letter by letter;
   Latin text has its diacritics and its Polish and German spellings undone
   (``cz`` → ``ch``, ``sz`` → ``sh``, ``w`` → ``v``, Polish/German ``ch`` → ``kh``...).
2. *skeleton*: the differences between Belarusian and Russian forms and between
   transliteration systems are erased: ``g``/``h``/``kh`` → ``h`` (г is h in Belarusian,
   g in Russian, х is kh or h), ``ts``/``ch``/``c`` → ``t`` (цеканне: Кацярына/Екатерина,
   and ц/ч are spelt c, ts, tz, cz, ch, č), ``dz`` → ``d`` (дзеканне), ``zh`` → ``z``,
   ``sh``/``shch`` → ``s``; glides are dropped (я, ia, ya, ja → a; ie, ye, je → e);
   vowels are reduced to three classes (akanne: о/а and е/я/э → ``a``; і/и/ы/y/й → ``i``;
   у/ю → ``u``); ``v`` before a consonant or at the end of a word becomes ``u`` (ў/в:
   Кавалёў/Ковалёв); doubled letters are single.

The skeleton alphabet is ``a b d f h i k l m n p r s t u v z`` and space, a fixed point of
the whole transformation, so ``fold(fold(x)) == fold(x)``.

Pure Python (plus rapidfuzz); imports no Django.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from volia.names import given_names

__all__ = [
    "MATCH_THRESHOLD",
    "OTHER_READING",
    "blocking_keys",
    "canonical_latin",
    "fold",
    "given_name_groups",
    "index_terms",
    "name_similarities",
    "name_similarity",
    "query_terms",
    "query_variants",
]

# --- step 1: canonical Latin --------------------------------------------------------------

# Cyrillic letters of Belarusian, Russian (and the Ukrainian extras, which occur in press
# spellings) to canonical Latin. Glides are not written: the skeleton drops them anyway and
# Latin spellings disagree about them (Бяляцкі: Bialiatski, Byalyatski, Bialacki).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "ё": "o", "є": "e",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ў": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "u", "я": "a",
}
# the iotated vowels keep their glide at the start of a word and after a vowel, soft sign,
# ў or apostrophe (Яна, Марыя, Дар'я: iana, maryia, daria), as every Latin spelling does
_IOTATED = {"е": "ie", "ё": "io", "ю": "iu", "я": "ia", "є": "ie", "ї": "i"}
_IOTATING = frozenset("аеёіиоуыэюяєїьъўй'’ʼ")

# Latin letters with diacritics whose plain form would mislead (Polish, Łacinka, Czech,
# ISO 9, Lithuanian); every other diacritic is simply removed.
_LATIN_SPECIAL = {
    "ł": "l", "ŭ": "u", "ǔ": "u", "ś": "s", "ć": "ts", "ń": "n", "ź": "z", "ż": "zh", "ž": "zh",
    "š": "sh", "č": "ch", "ĉ": "ch", "ŝ": "shch", "ė": "e", "ë": "o", "ě": "e", "è": "e", "ê": "e",
    "â": "a", "û": "u", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ħ": "h", "ı": "i",
    "ʹ": "", "ʺ": "", "ʼ": "", "`": "", "'": "", "’": "", "‘": "", "´": "", "ʻ": "",
}

# How a Latin spelling reads ``ch``, ``c``, ``z`` depends on its language, decided for the whole
# name: Polish (also Łacinka, Czech, ISO) marks make ``ch`` х, ``c`` ц and ``cz``/``sz``/``rz``
# digraphs; German ``sch``/``tsch`` make ``ch`` х and ``z`` ц; a ``w`` before a vowel (в: Swetlana)
# makes ``ch`` х. English-style systems (passports, BGN/PCGN) and the 2023 national system have
# none of them: their ``ch`` is ч and their ``w`` (ў) comes after a vowel. A ``j`` says nothing:
# the 2023 system writes j and ч as ch (Dzmitryjewna Radzievich).
_POLISH_MARK = re.compile(r"[łśćńźżóąę]|cz|sz|c(?![hz])")
_GERMAN_MARK = re.compile(r"sch")
_FOREIGN_MARK = re.compile(r"w(?=[aeiouy])")
_SPLIT = re.compile(r"[^a-z]+")


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _strip_marks(text: str) -> str:
    """Remove diacritics except those in :data:`_LATIN_SPECIAL` (already replaced)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _latin_word(word: str, mode: str) -> str:
    """One lower-case word in a Latin spelling to canonical Latin; ``mode`` from :func:`_latin_mode`."""
    out = word
    if mode == "pl":
        out = (out.replace("szcz", "\x02").replace("cz", "\x03").replace("sz", "\x04").replace("rz", "\x05")
               .replace("ch", "\x06").replace("c", "ts"))
    elif mode in ("de", "de-s"):
        out = out.replace("tsch", "\x03").replace("sch", "\x04").replace("ch", "\x06").replace("z", "ts")
        if mode == "de-s":  # German s is also з (Saschina: Зашына), ss с
            out = out.replace("ss", "\x07").replace("s", "z").replace("\x07", "s")
    elif mode == "foreign":
        out = out.replace("ch", "\x06")
    out = _strip_marks("".join(_LATIN_SPECIAL.get(c, c) for c in out))
    out = (out.replace("\x02", "shch").replace("\x03", "ch").replace("\x04", "sh").replace("\x05", "zh")
           .replace("\x06", "kh"))
    return out.replace("w", "v").replace("j", "y").replace("x", "ks").replace("q", "k")


def _latin_mode(text: str) -> str:
    if _POLISH_MARK.search(text):
        return "pl"
    if _GERMAN_MARK.search(text):
        return "de"
    return "foreign" if _FOREIGN_MARK.search(text) else "en"


def _cyrillic_word(word: str) -> str:
    out = []
    prev = ""
    for c in word:
        if c in _IOTATED and (not prev or prev in _IOTATING):
            out.append(_IOTATED[c])
        else:
            out.append(_CYRILLIC.get(c, _LATIN_SPECIAL.get(c, c)))
        prev = c
    return "".join(out)


def canonical_latin(text: str, mode: str | None = None) -> str:
    """Lower-case canonical Latin of a name in Cyrillic or any Latin spelling (step 1 of :func:`fold`).

    Keeps more distinctions than the skeleton (vowels, ц/ч/т, г/х); used as a finer
    second opinion when comparing names. ``mode`` ("en", "pl", "de", "de-s": German with s as з,
    "foreign") reads Latin words as that kind of spelling instead of the one the text's letters
    suggest.
    """
    text = unicodedata.normalize("NFC", text).lower()
    words: list[str] = []
    mode = mode or _latin_mode(text)
    for raw in _WORD_BREAK.split(text):
        word = _canonical_word(raw, mode) if raw else ""
        if word:
            words.append(word)
    return " ".join(words)


_WORD_BREAK = re.compile(r"[\s\-‐‑–—_.,;:/()]+")


@lru_cache(maxsize=200_000)
def _canonical_word(raw: str, mode: str) -> str:
    """One lower-case word (Cyrillic, or Latin read as ``mode``) in canonical Latin (words recur: cached)."""
    cyrillic = any(_is_cyrillic(c) for c in raw)
    return _SPLIT.sub("", _strip_marks(_cyrillic_word(raw)) if cyrillic else _latin_word(raw, mode))


# --- step 2: skeleton ---------------------------------------------------------------------

_DIGRAPHS = re.compile(r"shch|dzh|zh|kh|ch|sh|ts|tz|dz|sz|ph|th|ck|gh|g|c|x|w|q|j|e|o|y")
_DIGRAPH_MAP = {
    "shch": "s", "dzh": "d", "zh": "z", "kh": "h", "ch": "t", "sh": "s", "ts": "t", "tz": "t", "dz": "d",
    "sz": "s",
    "ph": "f", "th": "t", "ck": "k", "gh": "h", "g": "h", "c": "t", "x": "ks", "w": "v", "q": "k",
    "j": "y", "e": "a", "o": "a", "y": "i",
}
_GLIDE = re.compile(r"i+(?=[au])")
_V_TO_U = re.compile(r"(?<=[aiu])v(?![aiu])")
_DOUBLE = re.compile(r"([a-z])\1+")


def _letter_classes(word: str, letters: dict[str, str] = _DIGRAPH_MAP) -> str:
    """The word's letters and digraphs replaced by their classes (`letters`), nothing else. With the
    default table, the *plain key*: the skeleton without its glide, ў/в and double-letter rules, in
    which a typo next to a glide, a в or a doubled letter stays one edit (Жыахец: `ziahat`, skeleton
    `zahat`)."""
    return _DIGRAPHS.sub(lambda m: letters[m.group(0)], word)


def _skeleton_word(word: str, letters: dict[str, str] = _DIGRAPH_MAP) -> str:
    # "y"/"i"/"j" before a vowel is a glide (ia, ya, ja, ie, ye, je, iu, yu, ju, io, yo, jo):
    # mark the vowel classes first so that the glide rule sees them
    word = _letter_classes(word, letters)
    word = _GLIDE.sub("", word)
    word = _V_TO_U.sub("u", word)
    return _DOUBLE.sub(r"\1", word)


_MID_MAP = {**_DIGRAPH_MAP, "e": "e", "o": "o"}
# a glide after a consonant is dropped (Bialiatski, Бяляцкі: balatski), and before e at the start
# of a word (Yelena, Elena), where spellings disagree; elsewhere they agree on it (Yana, Iana, Яна)
_MID_GLIDE = re.compile(r"(?<=[bdfhklmnprstvz])i+(?=[aeou])|^i+(?=e)")
_MID_V_TO_U = re.compile(r"(?<=[aeiou])v(?![aeiou])")


def _mid_word(word: str) -> str:
    """A skeleton that keeps the five vowels apart (Саня/Соня, Жанна/Женя): given-name lookups."""
    word = _letter_classes(word, _MID_MAP)
    word = _MID_GLIDE.sub("", word)
    word = _MID_V_TO_U.sub("u", word)
    return _DOUBLE.sub(r"\1", word)


# The *fine* key: the skeleton's vowel classes and glides (the be/ru and transliteration
# differences), but с/ш, з/ж, т/ч and г/х kept apart, as the letters of the name say. Two names
# whose skeletons coincide (Гатыёнак and Хачыёнак, Жазулік and Жажулік, Сыевіч and Шыевіч)
# are told apart by it, while a spelling without diacritics (Sysuk for Šysuk) stays close.
_FINE_MAP = {**_DIGRAPH_MAP, "shch": "S", "sh": "S", "sz": "S", "zh": "Z", "ch": "C", "kh": "x"}


def _fine_word(word: str) -> str:
    return _skeleton_word(word, _FINE_MAP)


def _skeleton(latin: str) -> str:
    words = (_skeleton_word(w) for w in latin.split())
    return " ".join(w for w in words if w)


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """One lower-case Latin skeleton for any spelling of a name (see the module docstring).

    ``fold("Бяляцкі") == fold("Беляцкий") == fold("Bialiatski") == fold("Białacki") == "balatki"``.
    Never raises; returns ``""`` for text without letters.
    """
    out = _skeleton(canonical_latin(text))
    # a few rules can create a new match for another (t + s across a dropped glide); settle
    for _ in range(4):
        again = _skeleton(out)
        if again == out:
            break
        out = again
    return out


# --- given names --------------------------------------------------------------------------


def _mid(text: str) -> str:
    return " ".join(_mid_word(w) for w in canonical_latin(text).split())


def _parse_groups(table: str, gender: str, out: dict[str, list[str]]) -> None:
    """Add ``{mid form: [group, ...]}`` from a table of ``key: form form ...`` lines."""
    for line in re.sub(r"\n\s+", " ", table).strip().splitlines():
        key, _, rest = line.partition(":")
        group = f"{gender}:{_mid(key)}"
        for form in [key, *rest.split()]:
            mid = _mid(form)
            if mid and group not in out.setdefault(mid, []):
                out[mid].append(group)


def _build_given() -> dict[str, frozenset[str]]:
    merged: dict[str, list[str]] = {}
    _parse_groups(given_names.MALE, "m", merged)
    _parse_groups(given_names.FEMALE, "f", merged)
    return {k: frozenset(v) for k, v in merged.items()}


_GIVEN: dict[str, frozenset[str]] = _build_given()
_GIVEN_FORMS: list[str] = sorted(f for f in _GIVEN if len(f) >= 6)
# skeletons of male given names, for recognising patronymics (Пятровіч: patr + avit)
_MALE_STEMS: frozenset[str] = frozenset(
    fold(mid) for mid, groups in _GIVEN.items() if any(g.startswith("m:") for g in groups)
)


@lru_cache(maxsize=100_000)
def _groups_of_mid(mid: str) -> frozenset[str]:
    groups = _GIVEN.get(mid)
    if groups is not None:
        return groups
    if len(mid) < 6:
        return frozenset()
    # a typo in a long given name (Aliaksnadr): one edit from a listed form
    best = process.extractOne(mid, _GIVEN_FORMS, scorer=fuzz.ratio, score_cutoff=89)
    return _GIVEN[best[0]] if best else frozenset()


def given_name_groups(word: str) -> frozenset[str]:
    """The given-name groups (``"m:aleksandr"``...) one word of a name belongs to; empty if none.

    Forms come from :mod:`volia.names.given_names`, compared in a skeleton that keeps vowels
    apart; a word of 6+ letters one typo away from a listed form belongs to its groups too.
    """
    return _groups_of_mid(_mid(word))


def _group_key(groups: frozenset[str]) -> str:
    """The one canonical spelling of a group set, for index terms: the first group's key, folded."""
    return fold(min(groups).split(":", 1)[1])


# --- patronymics --------------------------------------------------------------------------

# the skeletons of patronymic endings: -овіч/-евіч, -іч (masculine), -оўна/-еўна/-ічна (feminine)
_MASCULINE_ENDINGS = ("avit", "ivit")
_FEMININE_ENDINGS = ("avna", "auna", "ivna", "iuna", "itna")
_PATRONYMIC_ENDINGS = _MASCULINE_ENDINGS + _FEMININE_ENDINGS
_PATRONYMIC = re.compile(rf"^(?P<stem>[a-z]{{2,}}?)({'|'.join(_PATRONYMIC_ENDINGS)}|it)$")


_FEMININE_PATRONYMIC = re.compile(rf"[a-z]{{3,}}({'|'.join(_FEMININE_ENDINGS)})$")


@lru_cache(maxsize=100_000)
def _is_patronymic(token: str) -> bool:
    """A patronymic is a male given name's stem plus -ovich/-evich/-ich/-ovna/-ichna...

    Feminine ones (-ovna, -evna, -ichna) are recognised by the ending alone, surnames do not
    end so; masculine ones need the stem of a known given name (Пятровіч, not Статкевіч).
    """
    if _FEMININE_PATRONYMIC.match(token):
        return True
    m = _PATRONYMIC.match(token)
    if not m:
        return False
    stem = m.group("stem")
    if len(stem) >= 3:
        return any(name.startswith(stem) or stem.startswith(name) for name in _MALE_STEMS if len(name) >= 3)
    # Юр'евіч, Ілліч, Янавіч: a two-letter stem of a short name
    return any(name.startswith(stem) and len(name) <= 4 for name in _MALE_STEMS)


# --- whole names --------------------------------------------------------------------------

# name_similarity at or above this says "probably the same person" (measured in docs/names.md:
# on 2000 corrupted synthetic names, recall 0.96 with 5e-5 false matches per pair of people)
MATCH_THRESHOLD = 0.8

# An unmatched token costs this share of its weight: a patronymic is often left out, a
# surname or given name is not.
_UNMATCHED_OPTIONAL = 0.02
_UNMATCHED = 0.5
# a patronymic left unmatched costs the same whatever its length (as if of 9 letters): a long one
# says no less than a short one
_PATRONYMIC_COST = 2 * 9 * _UNMATCHED_OPTIONAL
# pairs whose canonical keys compare below _GATE are scored by that comparison alone, scaled by
# _BELOW_GATE so that they stay below any pair that went through the full alignment
_GATE = 0.6
_BELOW_GATE = 0.6
# how much the least similar matched token pulls the whole score down
_WORST_WEIGHT = 0.4
# the score of a less likely reading of a Latin spelling (ch as х, z as ц) is multiplied by this
OTHER_READING = 0.97
# two tokens with one skeleton but other letters score between this and 0.995, by their fine keys
_SAME_SKELETON = 0.85
# the plain keys' edit similarity counts at this share (the skeletons' at 0.97, the mid-skeletons' ratio at 0.98)
_PLAIN = 0.965


@dataclass(frozen=True, slots=True)
class _Token:
    skel: str
    mid: str
    fine: str
    plain: str
    groups: frozenset[str]
    patronymic: bool
    id: int  # the same for equal (skel, mid, fine, plain): the key of the token-pair similarity cache
    w: int  # weight: the skeleton's length
    cost: float  # the weight it counts for when left unmatched (a patronymic often is)


@dataclass(frozen=True, slots=True)
class _Name:
    tokens: tuple[_Token, ...]
    core: tuple[_Token, ...]  # the tokens without the patronymic
    # the core skeletons, sorted, as they are and with given names in their group's canonical
    # form: a cheap first comparison of two names
    plain_key: str
    group_key: str
    # the core skeletons longest first: sorting by length survives a typo in a first letter
    length_key: str
    # the core skeletons in the written order, and reversed (Given Surname / Surname Given)
    order_key: str
    reversed_key: str
    # the other readings of a Latin spelling: without marks its ch may be х (Polish, Belarusian
    # 2007 system: Chatarova for Хатарова), its z ц (German: Chupazaik for Хупацаік); in a German
    # spelling an s may be з (Pusajewitsch for Пузаевіч)
    readings: tuple[_Name, ...] = ()


def _patronymic_position(tokens: list[_Token]) -> int | None:
    """Which token is the patronymic: it follows the given name, and is never the first token."""
    if len(tokens) < 3:
        return None
    flagged = [i for i in range(1, len(tokens)) if tokens[i].patronymic]
    for i in flagged:
        if tokens[i - 1].groups:
            return i
    for i in flagged:
        if _FEMININE_PATRONYMIC.match(tokens[i].skel):
            return i
    if flagged:
        return flagged[0]
    # a patronymic with a typo (Андрэеўнд, Вікўаравіч): the word after the given name, not a given
    # name itself, whose ending is one edit from a patronymic's
    for i in range(1, len(tokens)):
        if tokens[i - 1].groups and not tokens[i].groups and _near_patronymic(tokens[i].skel):
            return i
    return None


def _near_patronymic(skel: str) -> bool:
    return len(skel) >= 7 and any(Levenshtein.distance(skel[-len(e):], e, score_cutoff=1) <= 1
                                  for e in _PATRONYMIC_ENDINGS)


_TOKEN_IDS: dict[tuple[str, str, str, str], int] = {}


_AMBIGUOUS_LATIN = re.compile(r"ch|z(?!h)")


@lru_cache(maxsize=200_000)
def _prepare(text: str) -> _Name:
    latin = canonical_latin(text)
    name = _prepare_latin(latin)
    lowered = unicodedata.normalize("NFC", text).lower()
    if any(_is_cyrillic(c) for c in lowered):
        return name
    mode = _latin_mode(lowered)
    # Polish marks say how to read ch and z; German ones too, but not whether an s is с or з
    if mode in ("en", "foreign") and _AMBIGUOUS_LATIN.search(lowered):
        others: tuple[str, ...] = ("pl", "de")
    elif mode == "de" and "s" in lowered.replace("sch", ""):
        others = ("de-s",)
    else:
        return name
    readings = []
    seen = {latin}
    for other in others:
        other_latin = canonical_latin(text, other)
        if other_latin not in seen:
            seen.add(other_latin)
            readings.append(_prepare_latin(other_latin))
    return replace(name, readings=tuple(readings))


@lru_cache(maxsize=200_000)
def _token(fine: str) -> _Token | None:
    """One word of canonical Latin as a token (words recur in many names: cached)."""
    skel = fold(fine)
    if not skel:
        return None
    mid = _mid_word(fine)
    letters = _fine_word(fine)
    plain = _letter_classes(fine)
    tid = _TOKEN_IDS.setdefault((skel, mid, letters, plain), len(_TOKEN_IDS))
    patronymic = _is_patronymic(skel)
    cost = _PATRONYMIC_COST if patronymic else 2 * len(skel) * _UNMATCHED
    return _Token(skel, mid, letters, plain, _groups_of_mid(mid), patronymic, tid, len(skel), cost)


def _prepare_latin(latin: str) -> _Name:
    tokens = [t for t in map(_token, latin.split()) if t is not None]
    p = _patronymic_position(tokens)
    if p is not None and not tokens[p].patronymic:
        t = tokens[p]
        tokens[p] = replace(t, patronymic=True, cost=_PATRONYMIC_COST)
    core = tuple(t for i, t in enumerate(tokens) if i != p)
    return _Name(
        tuple(tokens),
        core,
        " ".join(sorted(t.skel for t in core)),
        " ".join(sorted(_group_key(t.groups) if t.groups else t.skel for t in core)),
        " ".join(sorted((t.skel for t in core), key=lambda k: (-len(k), k))),
        " ".join(t.skel for t in core),
        " ".join(t.skel for t in reversed(core)),
    )


# token-pair similarities, by (id, id): brute-force and blocked comparisons meet the same
# surnames and given names again and again
_PAIR_CACHE: dict[tuple[int, int], float] = {}
_PAIR_CACHE_MAX = 2_000_000


def _cached_token_similarity(a: _Token, b: _Token) -> float:
    key = (a.id, b.id) if a.id <= b.id else (b.id, a.id)
    score = _PAIR_CACHE.get(key)
    if score is None:
        if len(_PAIR_CACHE) >= _PAIR_CACHE_MAX:
            _PAIR_CACHE.clear()
        score = _PAIR_CACHE[key] = _token_similarity(a, b)
    return score


def _token_similarity(a: _Token, b: _Token) -> float:
    if a.skel == b.skel:
        if a.fine == b.fine:
            return 1.0 if a.mid == b.mid else 0.995
        # the same skeleton from other letters (с/ш, з/ж, т/ч, г/х): close, but below the same letters
        return _SAME_SKELETON + (0.995 - _SAME_SKELETON) * fuzz.ratio(a.fine, b.fine) / 100.0
    # skeletons: the share of the longer one's letters left unedited (optimal string alignment: a
    # typed-in, left-out, wrong or swapped letter is one edit each; fuzz.ratio would charge a wrong
    # letter twice a left-out one, and so prefer Запаоў to Запыка for `Запыа`); mid-skeletons: the
    # ratio (an edit similarity there measured worse on the search benchmark)
    skel = 1.0 - OSA.distance(a.skel, b.skel) / max(a.w, b.w)
    mid = fuzz.ratio(a.mid, b.mid) / 100.0
    # the plain keys, compared the same way as the skeletons, slightly below them: the skeleton's
    # rules fold real spelling variants, and also turn a typo beside a glide, a в or a doubled
    # letter into two edits (Жыахец for Жыхаец, ПАВКЛ for Павел); the plain key keeps it one
    plain = 1.0 - OSA.distance(a.plain, b.plain) / max(len(a.plain), len(b.plain), 1)
    score = max(skel * 0.97, mid * 0.98, plain * _PLAIN)
    if a.groups and b.groups:
        if a.groups & b.groups:
            # the same given name in another form (Алесь/Аляксандр); a close spelling still ranks first
            score = 0.9 + 0.08 * score
        elif _genders(a.groups).isdisjoint(_genders(b.groups)):
            score *= 0.85  # Валянцін is not Валянціна
    return score


def _genders(groups: frozenset[str]) -> set[str]:
    return {g[0] for g in groups}


@lru_cache(maxsize=64)
def _assignments(n: int, m: int) -> tuple[tuple[int, ...], ...]:
    return tuple(itertools.permutations(range(m), n))


def _alignment_similarity(a: tuple[_Token, ...], b: tuple[_Token, ...]) -> float:
    """The best one-to-one matching of the tokens of ``a`` to those of ``b``, length-weighted.

    Names have 1-5 tokens, so every assignment is tried (any order). A token of the longer
    name left unmatched counts a share of its weight: little for a patronymic, half otherwise.
    """
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    cache = _PAIR_CACHE
    sims = []
    weights = []
    for ta in a:
        row = []
        wrow = []
        for tb in b:
            key = (ta.id, tb.id) if ta.id <= tb.id else (tb.id, ta.id)
            sim = cache.get(key)
            if sim is None:
                sim = _cached_token_similarity(ta, tb)
            row.append(sim)
            # a shared patronymic weighs its letters like any other token (it counted half until
            # 2026-12-03: when the query has one, the person with the same one came second to a
            # person with none, STANISLAW Antonawitsch Kashutschuk finding Станіслаў Кашунчук);
            # siblings share it too, but their different given names pull the score down through
            # the worst-token factor below
            wrow.append(ta.w + tb.w)
        sims.append(row)
        weights.append(wrow)
    base = sum(t.cost for t in b)
    best = 0.0
    for perm in _assignments(len(a), len(b)):
        num = 0.0
        den = base
        worst = 1.0
        for i, j in enumerate(perm):
            sim = sims[i][j]
            w = weights[i][j]
            num += sim * w
            den += w - b[j].cost
            # one clearly different given name or surname says "another person" whatever the rest
            if a[i].patronymic and b[j].patronymic:
                sim = 0.5 + 0.5 * sim
            if sim < worst:
                worst = sim
        score = num / den * (1.0 - _WORST_WEIGHT + _WORST_WEIGHT * worst)
        if score > best:
            best = score
    return best


def name_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two whole names, whatever their script, system, language form or order.

    Robust to given-name equivalents (Аляксандр/Александр/Алесь/Sasha), 1-2 typos, token order
    and a patronymic present on one side only. 1.0 only for identical canonical spellings.
    """
    if a == b:
        return 1.0 if fold(a) else 0.0
    if a > b:
        a, b = b, a  # symmetric to the last bit: the same order of floating-point sums
    na, nb = _prepare(a), _prepare(b)
    # most pairs compared are different people: cheap whole-name comparisons settle them
    cutoff = _GATE * 100
    cheap = fuzz.ratio(na.length_key, nb.length_key)
    if (
        cheap < cutoff
        and not fuzz.ratio(na.group_key, nb.group_key, score_cutoff=cutoff)
        and not fuzz.ratio(na.order_key, nb.order_key, score_cutoff=cutoff)
        and not fuzz.ratio(na.order_key, nb.reversed_key, score_cutoff=cutoff)
        and not fuzz.ratio(na.reversed_key, nb.order_key, score_cutoff=cutoff)
    ):
        return cheap / 100.0 * _BELOW_GATE
    return _full_similarity(a, b, na, nb)


def _full_similarity(a: str, b: str, na: _Name, nb: _Name) -> float:
    ta, tb = na.tokens, nb.tokens
    if len(ta) > 5 or len(tb) > 5:
        # not a personal name (or a list of them): compare the skeletons as wholes
        return fuzz.token_sort_ratio(fold(a), fold(b)) / 100.0
    best = _alignment_similarity(ta, tb)
    # another reading of an ambiguous Latin spelling counts slightly less than the likelier one
    for other in na.readings:
        best = max(best, OTHER_READING * _alignment_similarity(other.tokens, tb))
    for other in nb.readings:
        best = max(best, OTHER_READING * _alignment_similarity(ta, other.tokens))
    return max(0.0, min(1.0, best))


def name_similarities(query: str, candidates: Sequence[str]) -> list[float]:
    """``[name_similarity(query, c) for c in candidates]``, the same numbers, computed in bulk.

    The cheap whole-name comparisons run over all candidates at once in rapidfuzz
    (``process.cdist``), so ranking a query against thousands of names costs little more
    than the few full comparisons that pass the gate. For search re-ranking and benchmarks.
    """
    if not candidates:
        return []
    nq = _prepare(query)
    prepared = [_prepare(c) for c in candidates]
    cutoff = _GATE * 100
    length = process.cdist([nq.length_key], [p.length_key for p in prepared], scorer=fuzz.ratio,
                           dtype=np.float64)[0]
    group = process.cdist([nq.group_key], [p.group_key for p in prepared], scorer=fuzz.ratio,
                          score_cutoff=cutoff, dtype=np.float64)[0]
    order = process.cdist([nq.order_key], [p.order_key for p in prepared], scorer=fuzz.ratio,
                          score_cutoff=cutoff, dtype=np.float64)[0]
    swapped = process.cdist([nq.order_key], [p.reversed_key for p in prepared], scorer=fuzz.ratio,
                            score_cutoff=cutoff, dtype=np.float64)[0]
    swapped_back = process.cdist([nq.reversed_key], [p.order_key for p in prepared], scorer=fuzz.ratio,
                                 score_cutoff=cutoff, dtype=np.float64)[0]
    passing = (length >= cutoff) | (group > 0) | (order > 0) | (swapped > 0) | (swapped_back > 0)
    out: list[float] = (length / 100.0 * _BELOW_GATE).tolist()
    for i in np.flatnonzero(passing).tolist():
        cand = candidates[i]
        out[i] = (_full_similarity(query, cand, nq, prepared[i]) if query <= cand
                  else _full_similarity(cand, query, prepared[i], nq))
    query_letters = 1.0 if fold(query) else 0.0
    for i, cand in enumerate(candidates):
        if cand == query:
            out[i] = query_letters
    return out


# --- index and query terms ----------------------------------------------------------------


def index_terms(text: str, language: str | None = None) -> list[str]:
    """The folded strings to index for one stored name: the full skeleton, then (if different)
    the name without its patronymic and with given names in their group's canonical form.

    ``language`` (``"be"``, ``"ru"``...) is accepted for callers that know it; the skeleton is
    the same for every language, so it only matters for future language-specific forms.
    """
    full = fold(text)
    if not full:
        return []
    name = _prepare(text)
    terms = [full, name.plain_key, name.group_key]
    return list(dict.fromkeys(t for t in terms if t))


def query_terms(query: str) -> list[str]:
    """The folded strings to look up for a search query (same forms as :func:`index_terms`)."""
    return index_terms(query)


def query_variants(query: str) -> dict[str, list[str]]:
    """Other forms to look up for the query's words: their skeletons in the query's other readings (a
    Latin ``ch`` read as х, ``z`` as ц: ``{"tananak": ["hananak"]}`` for ``Chanyjonak``), and their
    plain keys where the skeleton's rules changed them (``{"baurina": ["biavrina"]}`` for
    ``Быаврина``, a typo that the glide and ў/в rules make three edits from Бываріна's ``bivarina``,
    and the plain key one)."""
    name = _prepare(query)
    words = [t.skel for t in name.tokens]
    out: dict[str, list[str]] = {}
    for t in name.tokens:
        if len(t.plain) >= 4 and t.plain != t.skel:
            out.setdefault(t.skel, []).append(t.plain)
    for reading in name.readings:
        other = [t.skel for t in reading.tokens]
        if len(other) == len(words):
            for word, alt in zip(words, other, strict=True):
                if alt != word and alt not in out.setdefault(word, []):
                    out[word].append(alt)
    return {w: alts for w, alts in out.items() if alts}


# --- blocking -----------------------------------------------------------------------------

_VOWELS = re.compile(r"[aiu]")


@lru_cache(maxsize=1024)
def _group_initial(group: str) -> str:
    return fold(group.split(":", 1)[1])[:1]


def blocking_keys(text: str) -> set[str]:
    """Short keys for record-linkage blocking: two spellings of one person share at least one.

    For each core token taken as the surname and each other token taken as the given name:
    ``<first 4 letters of the surname skeleton>/<initial>`` and the same with the surname's
    first 3 consonants (survives a vowel typo), where the initials are those of the given
    name's skeleton and of its groups' canonical forms (Алесь: ``a``; Саша: ``s`` and ``a``).
    A one-token name gets its 4-letter prefix only.
    """
    name = _prepare(text)
    core = name.core
    keys: set[str] = set()
    if not core:
        return keys
    if len(core) == 1:
        return {f"{core[0].skel[:4]}/"}
    for s, g in itertools.permutations(core, 2):
        initials = {_group_initial(grp) for grp in g.groups} | {g.skel[:1]}
        consonants = _VOWELS.sub("", s.skel)[:3]
        for initial in initials:
            keys.add(f"{s.skel[:4]}/{initial}")
            if consonants:
                keys.add(f"c:{consonants}/{initial}")
    return keys
