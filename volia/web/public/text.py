"""Readable, translated text for the public pages: names, facilities, articles, event details."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from volia.core.details import split_article
from volia.registry.models import CriminalArticle, Facility, PersonName
from volia.web.public import labels

LANGUAGES = ("be", "ru", "en")


def language() -> str:
    lang = (get_language() or "be")[:2]
    return lang if lang in LANGUAGES else "be"


def local_name(names: Iterable[PersonName], lang: str | None = None) -> PersonName | None:
    """The name to show a reader of `lang`: one in that language (Latin script for English), else the primary."""
    lang = lang or language()
    names = list(names)
    primary = next((n for n in names if n.is_primary), names[0] if names else None)
    if lang == "en":
        latin = [n for n in names if n.script == "Latn"]
        best = next((n for n in latin if n.language == "en"), latin[0] if latin else None)
    else:
        best = next((n for n in names if n.language == lang and n.is_primary), None) or next(
            (n for n in names if n.language == lang and n.kind in ("primary", "official")), None) or next(
            (n for n in names if n.language == lang), None)
    return best or primary


def localized(obj: Any, field: str, lang: str | None = None) -> str:
    """obj.<field>_<lang>, falling back to the other languages (be → ru → en, ru → be → en, en → ru → be)."""
    lang = lang or language()
    order = {"be": ("be", "ru", "en"), "ru": ("ru", "be", "en"), "en": ("en", "ru", "be")}[lang]
    for code in order:
        value = getattr(obj, f"{field}_{code}", "")
        if value:
            return str(value)
    return ""


def facility_name(facility: Facility | None, lang: str | None = None) -> str:
    if facility is None:
        return ""
    return localized(facility, "name", lang) or facility.code


def postal_address(facility: Facility | None, lang: str | None = None) -> str:
    """The address to write on an envelope. Belarusian post reads Russian and Belarusian, never Latin."""
    if facility is None:
        return ""
    lang = lang or language()
    first, second = (facility.postal_address_be, facility.postal_address_ru) if lang == "be" else (
        facility.postal_address_ru, facility.postal_address_be)
    return first or second


def article_titles(numbers: Iterable[str], lang: str | None = None) -> dict[str, str]:
    numbers = set(numbers)
    if not numbers:
        return {}
    return {a.number: localized(a, "title", lang) for a in CriminalArticle.objects.filter(number__in=numbers)}


def article_text(article: str, titles: Mapping[str, str]) -> str:
    number, part = split_article(article)
    text = _("art. %(number)s") % {"number": number}
    if part:
        text += " " + _("part %(part)s") % {"part": part}
    title = titles.get(number)
    return f"{text} ({title})" if title else text


def months_text(months: int) -> str:
    years, rest = divmod(months, 12)
    parts = []
    if years:
        parts.append(ngettext("%(n)d year", "%(n)d years", years) % {"n": years})
    if rest or not years:
        parts.append(ngettext("%(n)d month", "%(n)d months", rest) % {"n": rest})
    return " ".join(parts)


def days_text(n: int) -> str:
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def detail_lines(details: Mapping[str, Any], titles: Mapping[str, str]) -> list[tuple[str, str]]:
    """The (already policy-filtered) details of one event as translated (label, text) pairs."""
    out: list[tuple[str, str]] = []
    d = details

    def code(name: str, label: str, table: Mapping[str, Any]) -> None:
        if d.get(name):
            out.append((label, labels.label(dict(table), str(d[name]))))

    if d.get("articles"):
        arts = d["articles"] if isinstance(d["articles"], list) else [d["articles"]]
        out.append((_("Articles"), "; ".join(article_text(str(a), titles) for a in arts)))
    code("sentence_kind", _("Sentence"), labels.SENTENCE_KINDS)
    if isinstance(d.get("sentence_months"), int):
        out.append((_("Term"), months_text(d["sentence_months"])))
    if isinstance(d.get("credited_days"), int):
        out.append((_("Pre-trial time credited"), days_text(d["credited_days"])))
    if isinstance(d.get("fine"), int):
        out.append((_("Fine"), _("%(n)d base units") % {"n": d["fine"]}))
    code("appeal_outcome", _("Appeal outcome"), labels.APPEAL_OUTCOMES)
    code("release_kind", _("Release"), labels.RELEASE_KINDS)
    if d.get("deported"):
        out.append((_("Deported"), _("yes: forced out of the country on release")))
    if d.get("documents_confiscated"):
        out.append((_("Documents"), _("confiscated")))
    code("contact_kind", _("Contact"), labels.CONTACT_KINDS)
    if isinstance(d.get("days"), int):
        out.append((_("Length"), days_text(d["days"])))
    if d.get("court"):
        out.append((_("Court"), str(d["court"])))
    if d.get("place"):
        out.append((_("Place"), str(d["place"])))
    return out
