"""Turn stored codes and event details into short readable text for the web pages.

Plain functions over plain values, so that the public portal, staff pages and exports to
readable formats can share them later.
"""

from __future__ import annotations

from collections.abc import Mapping

from volia.core import codes
from volia.core.details import split_article

STATUS_LABELS = {
    "held": "Held",
    "house_arrest": "House arrest",
    "released": "Released",
    "exile": "In exile",
    "deceased": "Deceased",
    "unknown": "Unknown",
}

END_KINDS = {**codes.RELEASE_KINDS, "died_in_custody": "Died in custody", "house_arrest": "House arrest"}

# Kinds of source whose title may name or identify a relative, a lawyer or a former prisoner:
# the public sees only the kind, never the title or link.
PRIVATE_SOURCE_KINDS = frozenset({"family", "lawyer", "ex_prisoner"})


def months_text(months: int) -> str:
    """120 → "10 years", 30 → "2 years 6 months", 1 → "1 month"."""
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(f"{years} year" + ("s" if years != 1 else ""))
    if rest or not years:
        parts.append(f"{rest} month" + ("s" if rest != 1 else ""))
    return " ".join(parts)


def article_text(article: str, titles: Mapping[str, str]) -> str:
    """"342:1" → "art. 342 part 1 (Organisation ... public order)"."""
    number, part = split_article(article)
    text = f"art. {number}" + (f" part {part}" if part else "")
    title = titles.get(number)
    return f"{text} ({title})" if title else text


def _days(n: int) -> str:
    return f"{n} day" + ("s" if n != 1 else "")


def detail_lines(details: Mapping[str, object], titles: Mapping[str, str]) -> list[tuple[str, str]]:
    """The details of one event as (label, text) pairs, in a fixed readable order."""
    out: list[tuple[str, str]] = []
    d = details

    def code(field: str, label: str, table: Mapping[str, str]) -> None:
        value = d.get(field)
        if value:
            out.append((label, table.get(str(value), str(value))))

    if d.get("articles"):
        arts = d["articles"]
        items = arts if isinstance(arts, list) else [arts]
        out.append(("Articles", "; ".join(article_text(str(a), titles) for a in items)))
    code("sentence_kind", "Sentence", codes.SENTENCE_KINDS)
    if isinstance(d.get("sentence_months"), int):
        out.append(("Term", months_text(d["sentence_months"])))  # type: ignore[arg-type]
    if isinstance(d.get("credited_days"), int):
        out.append(("Pre-trial time credited", _days(d["credited_days"])))  # type: ignore[arg-type]
    if isinstance(d.get("fine"), int):
        out.append(("Fine", f"{d['fine']} base units"))
    code("appeal_outcome", "Appeal outcome", codes.APPEAL_OUTCOMES)
    code("release_kind", "Release", codes.RELEASE_KINDS)
    if d.get("deported"):
        out.append(("Deported", "yes: forced out of the country on release"))
    if d.get("documents_confiscated"):
        out.append(("Documents", "confiscated"))
    code("contact_kind", "Contact", codes.CONTACT_KINDS)
    code("condition", "Condition", codes.HEALTH_CONDITIONS)
    if isinstance(d.get("days"), int):
        out.append(("Length", _days(d["days"])))  # type: ignore[arg-type]
    for field, label in (("court", "Court"), ("place", "Place")):
        if d.get(field):
            out.append((label, str(d[field])))
    return out


def safe_url(url: str) -> str:
    """The URL if it is a plain web link, else "" (a javascript: or data: URL is never linked)."""
    u = (url or "").strip()
    return u if u.lower().startswith(("https://", "http://")) else ""
