"""`volia publish`: the public site as static files, plus open data, under the same visibility rules.

The pages are the live site's pages, rendered for an anonymous reader (so `volia.security.policy`
decides, exactly as online) and crawled from each language's home page. Every link between pages
is rewritten to a relative path to an `index.html`, so the copy works from any mirror path and from
file://. Forms (search, filters) and the Atom feed need a server and are left out of the copy.

Open data in `data/`: people, events, facilities and the daily series as CSV (people and events also
as JSON), described by a Frictionless `datapackage.json`.

Everything is written into a temporary directory beside OUTDIR and renamed into place at the end:
readers of a mirror never see a half-written site, and a failed run leaves the old copy untouched.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import multiprocessing
import os
import posixpath
import re
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.db import connections
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone, translation

from volia.registry.models import CriminalArticle, Event, Facility, PersonName, Source
from volia.security import policy
from volia.web.public import figures, text, views
from volia.web.public.cache import data_version

LANGUAGES = ("be", "ru", "en")
DEFAULT_LICENCE = "CC-BY-4.0"
_LINK = re.compile(r'(\s(?:href|src)=")([^"]*)(")')
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
BATCH_PAGES = 1500  # person pages rendered from one read of their people's facts


class PublishError(Exception):
    pass


@dataclass
class Report:
    pages: int = 0
    files: list[str] = field(default_factory=list)
    people: int = 0
    events: int = 0


def page_file(url: str) -> str:
    """/be/people/?page=2 → be/people/_page-2/index.html; /static/web/volia.css → static/web/volia.css."""
    parts = urlsplit(url)
    path = parts.path.lstrip("/")
    if path.startswith("static/"):
        return path
    if parts.query:
        pairs = sorted(parse_qsl(parts.query, keep_blank_values=True))
        slug = "_".join(_SAFE.sub("~", f"{k}-{v}") for k, v in pairs)
        path = posixpath.join(path, f"_{slug}") + "/"
    if not path or path.endswith("/"):
        path += "index.html"
    return path


def relative(from_file: str, url: str) -> str:
    """The link from the page stored at `from_file` to the page for `url` (keeps a #fragment)."""
    target, _hash, fragment = url.partition("#")
    if not target:
        return url
    rel = posixpath.relpath(page_file(target), posixpath.dirname(from_file) or ".")
    return rel + (f"#{fragment}" if fragment else "")


_PERSON_PAGE = re.compile(r"^/(be|ru|en)/people/([^/?#]+)/$")


class _Site:
    def __init__(self, languages: Iterable[str]):
        self.languages = tuple(languages)
        self.factory = RequestFactory()
        self.user = AnonymousUser()
        self.version = data_version()  # read once: every page of the copy shows the same registry

    def internal(self, url: str) -> bool:
        path = urlsplit(url).path
        return any(path.startswith(f"/{lang}/") for lang in self.languages) and not path.endswith(".atom")

    def _request(self, url: str, language: str) -> HttpRequest:
        request = self.factory.get(url, HTTP_HOST="localhost")
        request.user = self.user
        request.volia_static = True  # type: ignore[attr-defined]
        request.volia_languages = self.languages  # type: ignore[attr-defined]
        request.volia_data_version = self.version  # type: ignore[attr-defined]
        request.LANGUAGE_CODE = language
        return request

    @staticmethod
    def _html(url: str, response: HttpResponse) -> str:
        if response.status_code != 200:
            raise PublishError(f"{url}: the page answered {response.status_code}")
        return response.content.decode()

    def render(self, url: str) -> str:
        parts = urlsplit(url)
        language = parts.path.split("/")[1]
        with translation.override(language):  # i18n_patterns resolve only the active language's prefix
            match = resolve(parts.path)
            return self._html(url, match.func(self._request(url, language), *match.args, **match.kwargs))

    def render_people(self, urls: list[str]) -> Iterable[tuple[str, str]]:
        """(url, html) of person pages, their people read together (`views.person_facts`) and rendered in
        each language from the same facts, as the person view would render each alone."""
        wanted = {url: _PERSON_PAGE.match(url) for url in urls}
        keys = {m.group(2) for m in wanted.values() if m}
        people = {p.key: p for p in policy.visible_people(self.user).filter(key__in=keys)
                  .prefetch_related(views.PERSON_NAMES, views.PERSON_GROUPS)}
        facts = {f.person.key: f for f in views.person_facts(list(people.values()), self.user)}
        numbers = set().union(*(views.article_numbers(f, self.user) for f in facts.values()))
        articles = list(CriminalArticle.objects.filter(number__in=numbers)) if numbers else []
        for url, m in wanted.items():
            if m is None or m.group(2) not in facts:
                raise PublishError(f"{url}: the page answered 404")
            language = m.group(1)
            with translation.override(language):
                titles = {a.number: text.localized(a, "title", language) for a in articles}
                yield url, self._html(url, views.render_person(self._request(url, language), facts[m.group(2)],
                                                               titles))


def _relative_links(site: _Site, url: str, html: str) -> tuple[str, str, list[str]]:
    """(file, html with relative links, the internal pages it links to) of the page at `url`."""
    here = page_file(url)
    targets: list[str] = []

    def rewrite(m: re.Match[str]) -> str:
        link = m.group(2).replace("&amp;", "&")
        if link.startswith("?"):  # pagination links keep the page's own path
            link = urlsplit(url).path + link
        if not link.startswith("/") or link.startswith("//"):
            return m.group(0)
        target = link.partition("#")[0]
        if target.startswith("/static/"):
            return m.group(1) + relative(here, link) + m.group(3)
        if not site.internal(target):
            return m.group(0)
        targets.append(target)
        return m.group(1) + relative(here, link) + m.group(3)

    return here, _LINK.sub(rewrite, html), targets


# what a forked worker process needs: set in the parent just before the processes start
_worker: tuple[_Site, Callable[[str, str], None], frozenset[str]] | None = None


def _render_batch(urls: list[str]) -> tuple[int, list[str]]:
    """In a worker process: render and write these person pages; the pages they link to that the parent
    had not seen when the workers started."""
    assert _worker is not None, "_render_batch runs in the processes crawl() starts"
    site, write, seen = _worker
    new: set[str] = set()
    for url, html in site.render_people(urls):
        here, html, targets = _relative_links(site, url, html)
        write(here, html)
        new.update(t for t in targets if t not in seen)
    return len(urls), sorted(new)


def crawl(languages: Iterable[str], write: Callable[[str, str], None],
          progress: Callable[[int, int], None] | None = None, jobs: int = 1) -> int:
    """Render every page reachable from each language's home page; `write(file, html)` stores each one.

    Person pages (most of the site) are put aside as they are found and rendered BATCH_PAGES at a time
    from facts read together, once the other pages found so far are done; with `jobs` > 1, in that
    many forked processes, each with its own database connection."""
    global _worker
    site = _Site(languages)
    queue = deque(f"/{lang}/" for lang in site.languages)
    people: list[str] = []
    seen = set(queue)
    done = 0

    def found(targets: Iterable[str]) -> None:
        for target in targets:
            if target not in seen:
                seen.add(target)
                (people if _PERSON_PAGE.match(target) else queue).append(target)

    def store(url: str, html: str) -> None:
        nonlocal done
        here, html, targets = _relative_links(site, url, html)
        write(here, html)
        found(targets)
        done += 1
        if progress:
            progress(done, done + len(queue) + len(people))

    while queue or people:
        if queue:
            url = queue.popleft()
            store(url, site.render(url))
        elif jobs > 1 and len(people) > BATCH_PAGES:
            batches = [people[i:i + BATCH_PAGES] for i in range(0, len(people), BATCH_PAGES)]
            left = len(people)
            people.clear()
            _worker = (site, write, frozenset(seen))
            connections.close_all()  # each process opens its own connection
            try:
                with multiprocessing.get_context("fork").Pool(jobs) as pool:
                    for n, targets in pool.imap_unordered(_render_batch, batches):
                        done, left = done + n, left - n
                        found(targets)
                        if progress:
                            progress(done, done + len(queue) + len(people) + left)
            finally:
                _worker = None
        else:
            batch, people[:] = people[:BATCH_PAGES], people[BATCH_PAGES:]
            for url, html in site.render_people(batch):
                store(url, html)
    return done


# --- open data ----------------------------------------------------------------------------------

PEOPLE_FIELDS = [
    ("key", "string", "stable key of the person in the registry"),
    ("name", "string", "primary name as the sources write it"),
    ("name_be", "string", "name in Belarusian, if recorded"),
    ("name_ru", "string", "name in Russian, if recorded"),
    ("name_latin", "string", "name in Latin letters, if recorded"),
    ("sex", "string", "m, f or x; empty if not known"),
    ("birth_date", "string", "YYYY, YYYY-MM or YYYY-MM-DD; empty if not known"),
    ("region", "string", "region code (volia.core.codes.REGIONS)"),
    ("groups", "string", "group codes separated by ';'"),
    ("status", "string", "held, house_arrest, released, exile, deceased or empty"),
    ("facility", "string", "code of the facility of the latest public event that names one"),
]
EVENT_FIELDS = [
    ("event_id", "integer", "id of the event in the registry"),
    ("person", "string", "key of the person (people.csv)"),
    ("type", "string", "event type code (docs/interchange.md)"),
    ("date", "string", "YYYY, YYYY-MM or YYYY-MM-DD"),
    ("facility", "string", "facility code (facilities.csv)"),
    ("organization", "string", "organisation code"),
    ("articles", "string", "articles of the Criminal Code, separated by ';' (number:part)"),
    ("sentence_kind", "string", "sentence kind code"),
    ("sentence_months", "integer", "term in months"),
    ("release_kind", "string", "release kind code"),
    ("deported", "boolean", "forced out of the country on release"),
    ("sources", "string", "titles of the public sources, separated by ' | '; withheld sources by kind only"),
]
FACILITY_FIELDS = [
    ("code", "string", "facility code"), ("kind", "string", "facility kind code"), ("regime", "string", "regime"),
    ("name_be", "string", "name in Belarusian"), ("name_ru", "string", "name in Russian"),
    ("name_en", "string", "name in English"), ("region", "string", "region code"), ("city", "string", "city"),
    ("postal_address_be", "string", "postal address in Belarusian"),
    ("postal_address_ru", "string", "postal address in Russian"),
]
SERIES_FIELDS = [("date", "date", "day"),
                 ("held", "integer", "political prisoners held at the end of the day (everybody in the registry, "
                                     "public entry or not; definition in datapackage.json)")]


def _write_csv(path: Path, fields: list[tuple[str, str, str]], rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, [name for name, _t, _d in fields], extrasaction="raise")
        w.writeheader()
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def _people_rows(user: Any) -> Iterable[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(person row, event rows) for each person the public may see, events filtered by the policy."""
    people = (policy.visible_people(user).order_by("key")
              .prefetch_related(Prefetch("names", queryset=PersonName.objects.order_by("-is_primary", "id")),
                                "groups"))
    for chunk_start in range(0, people.count(), 500):
        chunk = list(people[chunk_start:chunk_start + 500])
        events_of: dict[int, list[Event]] = {}
        for e in (Event.objects.filter(person__in=chunk, is_current=True)
                  .select_related("facility", "organization")
                  .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("title")))
                  .order_by("person_id", "date_earliest", "id")):
            events_of.setdefault(e.person_id, []).append(e)
        status, _facility = views.status_and_facility([p.pk for p in chunk])
        for p in chunk:
            seen = policy.redact_person(p, user)
            events = [e for e in events_of.get(p.pk, []) if policy.public_event(e, user)] \
                if seen.shows("timeline") else []
            latest_facility = next((e.facility.code for e in reversed(events) if e.facility), "")
            names = seen.names
            primary = next((n for n in names if n.is_primary), None)
            row = {
                "key": p.key, "name": primary.text if primary else "",
                "name_be": next((n.text for n in names if n.language == "be"), ""),
                "name_ru": next((n.text for n in names if n.language == "ru"), ""),
                "name_latin": next((n.text for n in names if n.script == "Latn"), ""),
                "sex": seen.sex, "birth_date": seen.birth_date, "region": seen.region,
                "groups": ";".join(sorted(g.group for g in p.groups.all())) if seen.shows("groups") else "",
                "status": status.get(p.pk, "") if seen.shows("status") else "",
                "facility": latest_facility if seen.shows("facility") else "",
            }
            event_rows = []
            for e in events:
                d = policy.visible_details(e, user)
                arts = d.get("articles") or []
                sources = [s.title if not s.withheld else f"({s.kind}, withheld)"
                           for s in policy.visible_sources(e, user)]
                event_rows.append({
                    "event_id": e.pk, "person": p.key, "type": e.type, "date": str(e.date),
                    "facility": e.facility.code if e.facility else "",
                    "organization": e.organization.code if e.organization else "",
                    "articles": ";".join(str(a) for a in (arts if isinstance(arts, list) else [arts])),
                    "sentence_kind": d.get("sentence_kind", ""), "sentence_months": d.get("sentence_months", ""),
                    "release_kind": d.get("release_kind", ""), "deported": "true" if d.get("deported") else "",
                    "sources": " | ".join(sources),
                })
            yield row, event_rows


def write_open_data(folder: Path, licence: str) -> Report:
    user = AnonymousUser()
    folder.mkdir(parents=True, exist_ok=True)
    report = Report()
    people: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for row, event_rows in _people_rows(user):
        people.append(row)
        events.extend(event_rows)
    report.people = _write_csv(folder / "people.csv", PEOPLE_FIELDS, people)
    report.events = _write_csv(folder / "events.csv", EVENT_FIELDS, events)
    (folder / "people.json").write_text(json.dumps(people, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "events.json").write_text(json.dumps(events, ensure_ascii=False, indent=1), encoding="utf-8")
    _write_csv(folder / "facilities.csv", FACILITY_FIELDS, (
        {name: getattr(f, name) for name, _t, _d in FACILITY_FIELDS} for f in Facility.objects.order_by("code")))
    stats = figures.public_stats()
    _write_csv(folder / "daily.csv", SERIES_FIELDS, (
        {"date": (stats.series_start + dt.timedelta(days=i)).isoformat(), "held": n}
        for i, n in enumerate(stats.series)))

    def resource(name: str, path: str, fields: list[tuple[str, str, str]], description: str,
                 fmt: str = "csv") -> dict[str, Any]:
        schema = {"fields": [{"name": n, "type": t, "description": d} for n, t, d in fields]}
        out: dict[str, Any] = {"name": name, "path": path, "format": fmt, "description": description,
                               "encoding": "utf-8", "schema": schema}
        out["mediatype"] = "text/csv" if fmt == "csv" else "application/json"
        return out

    package = {
        "name": "volia-political-prisoners",
        "title": "Volia: registry of political prisoners in Belarus (public data)",
        "description": "People whose entries are public, their public events, the facilities, and the daily count "
                       "of political prisoners held. Health reports, disputed reports, internal and restricted "
                       "sources and non-public people are left out, as on the public site.",
        "created": timezone.now().isoformat(timespec="seconds"),
        "licenses": [{"name": licence, "path": f"https://spdx.org/licenses/{licence}.html"}],
        "sources": [{"title": "Volia registry: dated events, each with its sources (titles in events.csv)"}],
        "resources": [
            resource("people", "data/people.csv", PEOPLE_FIELDS, "one row per person with a public entry"),
            resource("people-json", "data/people.json", PEOPLE_FIELDS, "the same as people.csv, as JSON", "json"),
            resource("events", "data/events.csv", EVENT_FIELDS, "the public events of those people"),
            resource("events-json", "data/events.json", EVENT_FIELDS, "the same as events.csv, as JSON", "json"),
            resource("facilities", "data/facilities.csv", FACILITY_FIELDS, "places of detention"),
            resource("daily", "data/daily.csv", SERIES_FIELDS, "held: " + stats.definitions["held"]),
        ],
    }
    (folder.parent / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2),
                                                    encoding="utf-8")
    report.files = ["datapackage.json", *(f"data/{p}" for p in ("people.csv", "people.json", "events.csv",
                                                                "events.json", "facilities.csv", "daily.csv"))]
    return report


# --- the whole thing ------------------------------------------------------------------------------


def publish(outdir: Path, languages: Iterable[str] = LANGUAGES, licence: str = DEFAULT_LICENCE,
            progress: Callable[[int, int], None] | None = None, jobs: int = 1) -> Report:
    languages = tuple(languages)
    for lang in languages:
        if lang not in LANGUAGES:
            raise PublishError(f"--lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    outdir = outdir.resolve()
    parent = outdir.parent
    if not parent.is_dir():
        raise PublishError(f"{parent}: no such directory")
    if outdir.exists() and not outdir.is_dir():
        raise PublishError(f"{outdir}: exists and is not a directory")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise PublishError(f"{parent}: cannot write there ({exc.strerror})") from exc
    try:
        def write(name: str, html: str) -> None:
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html, encoding="utf-8")

        report = write_open_data(tmp / "data", licence)
        report.pages = crawl(languages, write, progress, jobs)
        css = finders.find("web/volia.css")
        if not css:
            raise PublishError("the stylesheet web/volia.css was not found")
        (tmp / "static" / "web").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(str(css), tmp / "static" / "web" / "volia.css")
        (tmp / "index.html").write_text(_root_page(languages), encoding="utf-8")
        # mkdtemp makes the directory private; a published site is meant to be read by the web server
        os.chmod(tmp, 0o755)  # noqa: S103
        _swap(tmp, outdir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report


def _root_page(languages: tuple[str, ...]) -> str:
    links = "".join(f'<li><a href="{lang}/index.html" hreflang="{lang}" lang="{lang}">{name}</a></li>'
                    for lang, name in (("be", "Беларуская"), ("ru", "Русский"), ("en", "English"))
                    if lang in languages)
    first = languages[0]
    return (f'<!DOCTYPE html><html lang="{first}"><head><meta charset="utf-8"><title>Volia</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="refresh" content="0; url={first}/index.html">'
            f'<link rel="stylesheet" href="static/web/volia.css"></head>'
            f'<body><main class="wrap"><h1>Volia</h1><ul>{links}</ul></main></body></html>')


def _swap(tmp: Path, outdir: Path) -> None:
    """Put the new copy in place: an old one is moved aside first and removed once the new one is there."""
    old = None
    if outdir.exists():
        old = outdir.with_name(f".{outdir.name}.old-{os.getpid()}")
        os.rename(outdir, old)
    os.rename(tmp, outdir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
