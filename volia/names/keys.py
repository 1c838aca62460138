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
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from volia.names import given_names

__all__ = [
    "blocking_keys",
    "canonical_latin",
    "fold",
    "given_name_groups",
    "index_terms",
    "name_similarity",
    "query_terms",
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

# Latin letters with diacritics whose plain form would mislead (Polish, Łacinka, Czech,
# ISO 9, Lithuanian); every other diacritic is simply removed.
_LATIN_SPECIAL = {
    "ł": "l", "ŭ": "u", "ǔ": "u", "ś": "s", "ć": "ts", "ń": "n", "ź": "z", "ż": "zh", "ž": "zh",
    "š": "sh", "č": "ch", "ĉ": "ch", "ŝ": "shch", "ė": "e", "ë": "o", "ě": "e", "è": "e", "ê": "e",
    "â": "a", "û": "u", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ħ": "h", "ı": "i",
    "ʹ": "", "ʺ": "", "ʼ": "", "`": "", "'": "", "’": "", "‘": "", "´": "", "ʻ": "",
}

# Letters that mark a Polish (or Łacinka, Czech, ISO) spelling, where ``ch`` is х, ``c`` is ц
# and ``cz``/``sz``/``rz`` are digraphs; an English-style transliteration never has them.
_POLISH_MARK = re.compile(r"[łśćńźżóąę]|cz|sz|w|c(?![hz])")
# German spellings: ``sch`` is ш, ``tsch`` is ч, ``ch`` is х, ``w`` is в, ``z`` is ц.
_GERMAN_MARK = re.compile(r"sch|w")
_SPLIT = re.compile(r"[^a-z]+")


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _strip_marks(text: str) -> str:
    """Remove diacritics except those in :data:`_LATIN_SPECIAL` (already replaced)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _latin_word(word: str) -> str:
    """One lower-case word in a Latin spelling to canonical Latin."""
    polish = bool(_POLISH_MARK.search(word))
    german = not polish and bool(_GERMAN_MARK.search(word))
    out = _strip_marks("".join(_LATIN_SPECIAL.get(c, c) for c in word))
    if polish:
        out = (out.replace("szcz", "\x02").replace("cz", "\x03").replace("sz", "sh").replace("rz", "zh")
               .replace("ch", "kh").replace("c", "ts").replace("\x02", "shch").replace("\x03", "ch"))
    elif german:
        out = out.replace("tsch", "\x03").replace("sch", "sh").replace("ch", "kh").replace("z", "ts")
        out = out.replace("\x03", "ch")
    return out.replace("w", "v").replace("j", "y").replace("x", "ks").replace("q", "k")


def canonical_latin(text: str) -> str:
    """Lower-case canonical Latin of a name in Cyrillic or any Latin spelling (step 1 of :func:`fold`).

    Keeps more distinctions than the skeleton (vowels, ц/ч/т, г/х); used as a finer
    second opinion when comparing names.
    """
    text = unicodedata.normalize("NFC", text).lower()
    words: list[str] = []
    for raw in re.split(r"[\s\-‐‑–—_.,;:/()]+", text):
        if not raw:
            continue
        if any(_is_cyrillic(c) for c in raw):
            word = "".join(_CYRILLIC.get(c, _LATIN_SPECIAL.get(c, c)) for c in raw)
            word = _strip_marks(word)
        else:
            word = _latin_word(raw)
        word = _SPLIT.sub("", word)
        if word:
            words.append(word)
    return " ".join(words)


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


def _skeleton_word(word: str) -> str:
    # "y"/"i"/"j" before a vowel is a glide (ia, ya, ja, ie, ye, je, iu, yu, ju, io, yo, jo):
    # mark the vowel classes first so that the glide rule sees them
    word = _DIGRAPHS.sub(lambda m: _DIGRAPH_MAP[m.group(0)], word)
    word = _GLIDE.sub("", word)
    word = _V_TO_U.sub("u", word)
    return _DOUBLE.sub(r"\1", word)


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


def _parse_groups(table: str, gender: str) -> dict[str, list[str]]:
    """``{folded form: [group key, ...]}`` from a table of ``key: form form ...`` lines."""
    out: dict[str, list[str]] = {}
    for line in re.sub(r"\n\s+", " ", table).strip().splitlines():
        key, _, rest = line.partition(":")
        group = f"{gender}:{fold(key)}"
        for form in [key, *rest.split()]:
            folded = fold(form)
            if folded and group not in out.setdefault(folded, []):
                out[folded].append(group)
    return out


def _build_given() -> dict[str, frozenset[str]]:
    merged: dict[str, list[str]] = {}
    for gender, table in (("m", given_names.MALE), ("f", given_names.FEMALE)):
        for folded, groups in _parse_groups(table, gender).items():
            merged.setdefault(folded, []).extend(g for g in groups if g not in merged.get(folded, []))
    return {k: frozenset(v) for k, v in merged.items()}


_GIVEN: dict[str, frozenset[str]] = _build_given()
_GIVEN_FORMS: list[str] = sorted(f for f in _GIVEN if len(f) >= 4)
_MALE_STEMS: frozenset[str] = frozenset(
    g.split(":", 1)[1] for groups in _GIVEN.values() for g in groups if g.startswith("m:")
) | frozenset(f for f, groups in _GIVEN.items() if any(g.startswith("m:") for g in groups))


@lru_cache(maxsize=100_000)
def given_name_groups(token: str) -> frozenset[str]:
    """The given-name groups (``"m:alaksandr"``...) a folded token belongs to; empty if none.

    Exact forms come from :mod:`volia.names.given_names`; a token of 5+ letters within one
    edit of a listed form (a typo) belongs to that form's groups too.
    """
    groups = _GIVEN.get(token)
    if groups is not None:
        return groups
    if len(token) < 5:
        return frozenset()
    best = process.extractOne(token, _GIVEN_FORMS, scorer=fuzz.ratio, score_cutoff=88)
    return _GIVEN[best[0]] if best else frozenset()


def _group_key(groups: frozenset[str]) -> str:
    """The one canonical spelling of a group set, for index terms: the first group's key."""
    return min(groups).split(":", 1)[1]


# --- patronymics --------------------------------------------------------------------------

_PATRONYMIC = re.compile(r"^(?P<stem>[a-z]{2,}?)(avit|ivit|avna|auna|ivna|iuna|itna|ait|it|ina)$")


def _is_patronymic(token: str) -> bool:
    """A patronymic is a male given name's stem plus -ovich/-evich/-ich/-ovna/-ichna..."""
    m = _PATRONYMIC.match(token)
    if not m:
        return False
    stem = m.group("stem")
    return any(name.startswith(stem) or stem.startswith(name) for name in _MALE_STEMS if len(name) >= 3) \
        if len(stem) >= 3 else stem in {"il", "lu"}


# --- whole names --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    skel: str
    fine: str
    groups: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Name:
    core: tuple[_Token, ...]
    patronymic: _Token | None
    weight: float


@lru_cache(maxsize=200_000)
def _prepare(text: str) -> _Name:
    fine_words = canonical_latin(text).split()
    tokens = []
    for fine in fine_words:
        skel = fold(fine)
        if skel:
            tokens.append(_Token(skel, fine, given_name_groups(skel)))
    patronymic = None
    if len(tokens) >= 3:
        candidates = [i for i, t in enumerate(tokens) if i > 0 and _is_patronymic(t.skel)]
        after_given = [i for i in candidates if tokens[i - 1].groups]
        chosen = after_given or candidates
        if chosen:
            patronymic = tokens.pop(chosen[0])
    core = tuple(tokens)
    return _Name(core, patronymic, float(sum(len(t.skel) for t in core)))


def _token_similarity(a: _Token, b: _Token) -> float:
    if a.skel == b.skel:
        return 1.0 if a.fine == b.fine else 0.995
    if a.groups and b.groups and a.groups & b.groups:
        return 0.97
    skel = fuzz.ratio(a.skel, b.skel) / 100.0
    fine = fuzz.ratio(a.fine, b.fine) / 100.0
    return max(skel * 0.97, fine * 0.95)


def _core_similarity(a: tuple[_Token, ...], b: tuple[_Token, ...]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    best = 0.0
    total = sum(len(t.skel) for t in a) + sum(len(t.skel) for t in b)
    # names have 1-4 core tokens: trying every assignment is cheap and handles any order
    for perm in itertools.permutations(range(len(b)), len(a)):
        score = 0.0
        for ta, j in zip(a, perm, strict=True):
            tb = b[j]
            score += _token_similarity(ta, tb) * (len(ta.skel) + len(tb.skel))
        best = max(best, score)
    return best / total if total else 0.0


def name_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two whole names, whatever their script, system, language form or order.

    Robust to given-name equivalents (Аляксандр/Александр/Алесь/Sasha), 1-2 typos, token order
    and a patronymic present on one side only. 1.0 only for identical canonical spellings.
    """
    if a == b:
        return 1.0 if fold(a) else 0.0
    na, nb = _prepare(a), _prepare(b)
    score = _core_similarity(na.core, nb.core)
    if na.patronymic is not None and nb.patronymic is not None:
        pat = _token_similarity(na.patronymic, nb.patronymic)
        weight = (na.weight + nb.weight) / 2
        pw = len(na.patronymic.skel) * 0.5
        score = (score * weight + pat * pw) / (weight + pw)
    elif (na.patronymic is None) != (nb.patronymic is None):
        score *= 0.99
    return max(0.0, min(1.0, score))


# --- index and query terms ----------------------------------------------------------------


def _canonical_variant(name: _Name) -> str:
    """The core tokens with given names replaced by their group key (Алесь → alaksandr)."""
    return " ".join(_group_key(t.groups) if t.groups else t.skel for t in name.core)


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
    terms = [full, " ".join(t.skel for t in name.core), _canonical_variant(name)]
    return list(dict.fromkeys(t for t in terms if t))


def query_terms(query: str) -> list[str]:
    """The folded strings to look up for a search query (same forms as :func:`index_terms`)."""
    return index_terms(query)


# --- blocking -----------------------------------------------------------------------------

_VOWELS = re.compile(r"[aiu]")


def blocking_keys(text: str) -> set[str]:
    """Short keys for record-linkage blocking: two spellings of one person share at least one.

    For each core token taken as the surname and each other token taken as the given name:
    ``<first 4 letters of the surname skeleton>/<initial of the given name's canonical form>``
    and the same with the surname's first 3 consonants (survives a vowel typo). A one-token
    name gets its 4-letter prefix only.
    """
    name = _prepare(text)
    core = name.core
    keys: set[str] = set()
    if not core:
        return keys
    if len(core) == 1:
        return {f"{core[0].skel[:4]}/"}
    for s, g in itertools.permutations(core, 2):
        initials = {grp.split(":", 1)[1][:1] for grp in g.groups} if g.groups else {g.skel[:1]}
        consonants = _VOWELS.sub("", s.skel)[:3]
        for initial in initials:
            keys.add(f"{s.skel[:4]}/{initial}")
            if consonants:
                keys.add(f"c:{consonants}/{initial}")
    return keys
