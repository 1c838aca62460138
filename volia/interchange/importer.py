"""`volia import`: bring a file of events into the registry, whole or not at all.

The file is streamed in batches inside one database transaction. Each row is checked on its
own (codes, dates, details), then each batch is written; at the end the custody history of
every person the file touched is rebuilt and checked (a release before any detention is an
error only the whole history shows). Any error, or `--dry-run`, rolls the transaction back,
so the registry is never left half-written, and the report lists every bad row.

Re-importing a file is harmless: an event whose fact (type, date, facility, organisation,
case, details) is already recorded for the person is not written again; new sources for it
are linked to the existing event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from volia.core.dates import PartialDate
from volia.core.scripts import guess_language, script_of
from volia.interchange.canonical import ParsedRow, parse_row
from volia.interchange.errors import RowError
from volia.registry import bulk, services
from volia.registry.models import (
    Case,
    Event,
    EventSource,
    Facility,
    ImportBatch,
    Organization,
    Person,
    PersonGroup,
    PersonName,
    Source,
)
from volia.search import index as search_index

BATCH_ROWS = 5000


EVENT_COLUMNS = ["id", "person_id", "type", "date_precision", "date_earliest", "date_latest", "facility_id",
                 "organization_id", "case_id", "details", "confidence", "note", "is_retraction", "is_current",
                 "content_hash", "recorded_at", "recorded_by", "import_batch_id", "import_row"]
PERSON_FIELDS = ["sex", "region", "visibility", "birth_precision", "birth_earliest", "birth_latest"]


class _Rollback(Exception):
    pass


def _set_person_field(p: Person, fld: str, value: str) -> None:
    if fld == "birth_date":
        born = PartialDate.parse(value)
        p.birth_precision, p.birth_earliest, p.birth_latest = born.precision.value, born.earliest, born.latest
    else:
        setattr(p, fld, value)


@dataclass
class _Pending:
    row: ParsedRow
    person_id: int
    facility_id: int | None
    organization_id: int | None
    case_id: int | None
    content_hash: str
    source_ids: list[int]


@dataclass
class ImportReport:
    file: str
    dry_run: bool
    rows: int = 0
    events_created: int = 0
    events_already_known: int = 0
    sources_linked: int = 0
    people_created: int = 0
    people_updated: int = 0
    names_added: int = 0
    created: dict[str, list[str]] = field(
        default_factory=lambda: {"facilities": [], "organizations": [], "sources": [], "articles": []})
    cases_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    batch_id: int | None = None
    linkage: dict = field(default_factory=dict)  # volia.linkage.importing.ImportLinker.report()

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "file": self.file, "ok": self.ok, "dry_run": self.dry_run, "written": self.ok and not self.dry_run,
            "rows": self.rows, "events_created": self.events_created,
            "events_already_known": self.events_already_known, "sources_linked": self.sources_linked,
            "people_created": self.people_created, "people_updated": self.people_updated,
            "names_added": self.names_added, "created": self.created, "cases_created": self.cases_created,
            "errors": [e.as_dict() for e in self.errors], "warnings": [w.as_dict() for w in self.warnings],
            "import_batch": self.batch_id, "linkage": self.linkage,
        }


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Lookup:
    """Facilities, organisations, sources and cases by the names files use; creates unknown ones."""

    def __init__(self, report: ImportReport, strict: bool):
        self.report, self.strict = report, strict
        self.facilities = _names_to_ids(Facility.objects.values_list("id", "code", "name_be", "name_ru", "name_en"))
        self.organizations = _names_to_ids(
            Organization.objects.values_list("id", "code", "name_be", "name_ru", "name_en"))
        self.sources: dict[str, int] = {}
        self.cases: dict[str, int] = {}

    def _refuse(self, row: ParsedRow, column: str, value: str, what: str) -> None:
        self.report.errors.append(RowError(self.report.file, row.row, column, value,
                                           f"unknown {what} (--strict refuses to create it)"))

    def facility(self, row: ParsedRow) -> int | None:
        return self._reference(row, "facility", row.facility, self.facilities, self._new_facility)

    def organization(self, row: ParsedRow) -> int | None:
        return self._reference(row, "organization", row.organization, self.organizations, self._new_organization)

    def _reference(self, row: ParsedRow, column: str, name: str, known: dict[str, int],
                   create: Callable[[str], int]) -> int | None:
        """The id of the facility or organisation a cell names; unknown names are created and reported."""
        if not name:
            return None
        if (pk := known.get(name.casefold())) is not None:
            return pk
        if self.strict:
            self._refuse(row, column, name, column)
            return None
        pk = known[name.casefold()] = create(name)
        self.report.created[f"{column[:-1]}ies" if column.endswith("y") else f"{column}s"].append(name)
        return pk

    def _new_facility(self, name: str) -> int:
        script = script_of(name)
        return Facility.objects.create(code=_unique_slug(Facility, name), name_en=name if script == "Latn" else "",
                                       name_ru=name if script == "Cyrl" else "",
                                       note=f"created by import of {self.report.file}").id

    def _new_organization(self, name: str) -> int:
        return Organization.objects.create(code=_unique_slug(Organization, name), name_en=name).id

    def source_ids(self, row: ParsedRow) -> list[int]:
        ids = []
        for i, title in enumerate(row.sources):
            if (sid := self.sources.get(title)) is None:
                found = Source.objects.filter(title=title).values_list("id", flat=True).first()
                if found is None:
                    if self.strict:
                        self._refuse(row, "source", title, "source")
                        continue
                    found = Source.objects.create(title=title, kind="import",
                                                  url=row.source_url if i == 0 else "").id
                    self.report.created["sources"].append(title)
                sid = self.sources[title] = found
            ids.append(sid)
        return ids

    def prefetch_cases(self, batch: list[ParsedRow]) -> None:
        """Look up (or create) every case number of a batch in two queries."""
        wanted = {r.case: str(r.details.get("court", "")) for r in batch if r.case and r.case not in self.cases}
        if not wanted:
            return
        self.cases.update(Case.objects.filter(number__in=wanted).values_list("number", "id"))
        missing = sorted(n for n in wanted if n not in self.cases)
        ids = bulk.allocate_ids(Case, len(missing))
        bulk.insert(Case, ["id", "number", "court", "note"],
                    [(i, n, wanted[n], "") for i, n in zip(ids, missing, strict=True)])
        self.cases.update(zip(missing, ids, strict=True))
        self.report.cases_created += len(missing)

    def case(self, row: ParsedRow) -> int | None:
        return self.cases[row.case] if row.case else None


def _names_to_ids(rows: Iterable[tuple]) -> dict[str, int]:
    """(id, code, name...) rows → {any of its names, case-folded: id}; codes win over names."""
    out: dict[str, int] = {}
    for pk, *names in rows:
        for n in names:
            if n:
                out.setdefault(n.casefold(), pk)
    return out


def _unique_slug(model, name: str) -> str:
    base = (slugify(name) or "x")[:90]
    slug, n = base, 1
    while model.objects.filter(code=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _batches(rows: Iterable[ParsedRow], size: int) -> Iterator[list[ParsedRow]]:
    batch: list[ParsedRow] = []
    for r in rows:
        batch.append(r)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Importer:
    def __init__(self, file_label: str, *, actor: services.Actor, dry_run: bool = False, strict: bool = False,
                 default_visibility: str | None = None, reason: str = "", file_hash: str = "",
                 mapping_label: str = "", progress: Callable[[int], None] | None = None, link: str = "propose",
                 link_auto_threshold: float | None = None):
        self.file = file_label
        self.link, self.link_auto_threshold = link, link_auto_threshold  # volia.linkage.importing
        self.actor = actor
        self.dry_run = dry_run
        self.strict = strict
        # rows that leave visibility empty: settings VOLIA_DEFAULT_VISIBILITY (env), "internal" by default
        self.default_visibility = default_visibility or settings.VOLIA_DEFAULT_VISIBILITY
        self.reason = reason
        self.file_hash = file_hash
        self.mapping_label = mapping_label
        self.progress = progress
        self.report = ImportReport(file=file_label, dry_run=dry_run)
        self._created_people: set[int] = set()  # by this import
        self._new_in_batch: set[int] = set()  # by the batch being written
        self._touched: set[int] = set()  # people whose history this import changed
        self._renamed: set[int] = set()  # people who got a new name (their search index rows change)
        self._changed: set[int] = set()  # people whose events, names, groups or attributes it changed

    # -- entry point ------------------------------------------------------------------

    def run(self, rows: Iterable[tuple[int, dict]], read_errors: list[RowError]) -> ImportReport:
        """Import `rows` ((row number, cells) pairs); `read_errors` is filled by the reader as it goes."""
        try:
            with transaction.atomic():
                self._run(rows, read_errors)
                if self.report.errors or self.dry_run:
                    raise _Rollback
        except _Rollback:
            self.report.batch_id = None
        self.report.errors.sort(key=lambda e: (e.row, e.column))
        return self.report

    def _run(self, rows: Iterable[tuple[int, dict]], read_errors: list[RowError]) -> None:
        now = timezone.now()
        self.batch = ImportBatch.objects.create(
            file_name=self.file, file_sha256=self.file_hash, mapping=self.mapping_label, actor=self.actor.label,
            reason=self.reason, started_at=now)
        self.report.batch_id = self.batch.id
        self.lookup = _Lookup(self.report, self.strict)
        self.linker = None
        if self.link != "off":
            from volia.linkage.importing import ImportLinker

            self.linker = ImportLinker(self.link, import_batch_id=self.batch.id,
                                       **({"auto_threshold": self.link_auto_threshold}
                                          if self.link_auto_threshold is not None else {}))
        today = timezone.localdate()

        def parsed() -> Iterator[ParsedRow]:
            for rownum, cells in rows:
                self.report.rows += 1
                row, errs = parse_row(self.file, rownum, cells, today)
                self.report.errors.extend(errs)
                if row is not None:
                    yield row
                if self.progress and self.report.rows % 10000 == 0:
                    self.progress(self.report.rows)

        for batch in _batches(parsed(), BATCH_ROWS):
            self._write_batch(batch)
        self.report.errors.extend(read_errors)
        self._check_histories()
        if not (self.report.errors or self.dry_run):  # (otherwise everything is rolled back)
            search_index.refresh(self._created_people | self._renamed)
        if self.linker is not None:
            self.report.linkage = self.linker.report()
        self.batch.finished_at = timezone.now()
        self.batch.report = {k: v for k, v in self.report.as_dict().items() if k not in ("errors",)}
        self.batch.save(update_fields=["finished_at", "report"])
        # an edit opened before this import no longer applies to the people it changed (optimistic locking)
        services.bump_versions(self._changed - self._created_people)
        services.record_audit(self.actor, "import", self.batch, person=None, reason=self.reason, at=now,
                              changes={"file": self.file, "sha256": self.file_hash,
                                       "events_created": self.report.events_created,
                                       "people_created": self.report.people_created})

    # -- people -----------------------------------------------------------------------

    def _people(self, batch: list[ParsedRow]) -> dict[str, int]:
        """Ids of the batch's people by key; creates the new ones from their first row."""
        self._new_in_batch = set()
        keys = {r.person for r in batch}
        # locked, like every service write, so that concurrent writers never interleave projections
        ids = dict(Person.objects.select_for_update().filter(key__in=keys).values_list("key", "id"))
        ids.update(self._linked_keys(keys - set(ids), ids))
        first_row: dict[str, ParsedRow] = {}
        for r in batch:
            if r.person not in ids and r.person not in first_row:
                first_row[r.person] = r
        new = []
        for key, r in first_row.items():
            if not r.name:
                self.report.errors.append(RowError(self.file, r.row, "name", "",
                                                   f"new person {key!r}: the first row of a person needs a name"))
                continue
            new.append((key, r))
        if new and self.linker is not None:
            attached = self.linker.attach(new, batch)
            ids.update(attached)
            new = [(k, r) for k, r in new if k not in attached]
        if new:
            now = timezone.now()
            pids = bulk.allocate_ids(Person, len(new))
            people: list[tuple] = []
            names: list[tuple] = []
            groups: list[tuple[int, str]] = []
            for pid, (key, r) in zip(pids, new, strict=True):
                born = r.birth_date
                people.append((pid, key, r.sex, r.region, r.visibility or self.default_visibility,
                               born.precision.value if born else "", born.earliest if born else None,
                               born.latest if born else None, "", 1, now, now))
                names.append((pid, r.name, r.name_lang or guess_language(r.name), script_of(r.name), "primary",
                              True, now))
                groups.extend((pid, g) for g in dict.fromkeys(r.groups))
                ids[key] = pid
            bulk.insert(Person, ["id", "key", "sex", "region", "visibility", "birth_precision", "birth_earliest",
                                 "birth_latest", "notes", "version", "created_at", "updated_at"], people)
            bulk.insert(PersonName, ["person_id", "text", "language", "script", "kind", "is_primary", "created_at"],
                        names)
            bulk.insert(PersonGroup, ["person_id", "group"], groups)
            self._created_people.update(pids)
            self._new_in_batch = set(pids)
            self.report.people_created += len(pids)
            if self.linker is not None:
                self.linker.created({key: pid for pid, (key, _) in zip(pids, new, strict=True)})
        self._merge_person_facts(batch, ids)
        return ids

    def _linked_keys(self, keys: set[str], ids: dict[str, int]) -> dict[str, int]:
        """Keys known as import aliases, and people merged into another, resolved to the person to write to."""
        from volia.linkage.importing import resolve_keys, survivors

        found = resolve_keys(keys) if keys else {}
        moved = survivors(list(ids.values()) + list(found.values()))
        out = {k: moved.get(pid, pid) for k, pid in found.items()}
        out.update({k: moved[pid] for k, pid in ids.items() if pid in moved})
        if out:
            Person.objects.select_for_update().filter(pk__in=set(out.values())).values_list("pk", flat=True).first()
        return out

    def _merge_person_facts(self, batch: list[ParsedRow], ids: dict[str, int]) -> None:
        """Add names and groups the rows give; report attributes that contradict what is stored."""
        pids = list(set(ids.values()))
        known_text = set(PersonName.objects.filter(person_id__in=pids).values_list("person_id", "text"))
        groups = set(PersonGroup.objects.filter(person_id__in=pids).values_list("person_id", "group"))
        people = Person.objects.in_bulk(pids)
        new_names: list[PersonName] = []
        new_groups: list[tuple[int, str]] = []
        filled: set[int] = set()
        for r in batch:
            pid = ids.get(r.person)
            if pid is None:
                continue
            candidates = [(r.name, r.name_lang)] if r.name else []
            for text, lang in candidates + r.other_names:
                if (pid, text) in known_text:
                    continue
                known_text.add((pid, text))
                lang = lang if lang and lang != "und" else guess_language(text)
                new_names.append(PersonName(person_id=pid, text=text, language=lang, script=script_of(text),
                                            kind="alias" if text == r.name else "transliteration"))
            for g in r.groups:
                if (pid, g) not in groups:
                    groups.add((pid, g))
                    new_groups.append((pid, g))
            p = people[pid]
            for fld, value in r.person_fields.items():
                have = str(p.birth_date or "") if fld == "birth_date" else getattr(p, fld)
                if not have:
                    _set_person_field(p, fld, value)
                    filled.add(pid)
                elif have != value and fld != "visibility":
                    msg = f"{r.person}: contradicts the stored {fld} {have!r}"
                    if pid in self._created_people:
                        self.report.errors.append(
                            RowError(self.file, r.row, fld, value, msg + " from an earlier row of this file"))
                    else:
                        self.report.warnings.append(
                            RowError(self.file, r.row, fld, value, msg + "; the stored value was kept"))
        now = timezone.now()
        bulk.insert(PersonName, ["person_id", "text", "language", "script", "kind", "is_primary", "created_at"],
                    [(n.person_id, n.text, n.language, n.script, n.kind, False, now) for n in new_names])
        bulk.insert(PersonGroup, ["person_id", "group"], new_groups)
        self.report.names_added += len(new_names)
        self._renamed.update(n.person_id for n in new_names)
        self._changed.update(n.person_id for n in new_names)
        self._changed.update(pid for pid, _ in new_groups)
        self._changed.update(filled)
        Person.objects.bulk_update([people[pid] for pid in filled], PERSON_FIELDS, batch_size=2000)
        self.report.people_updated += len(filled - self._created_people)

    # -- events -----------------------------------------------------------------------

    def _write_batch(self, batch: list[ParsedRow]) -> None:
        ids = self._people(batch)
        pending: list[_Pending] = []
        self.lookup.prefetch_cases(batch)
        for r in batch:
            pid = ids.get(r.person)
            if pid is None:
                continue  # its first row was refused and reported
            n_err = len(self.report.errors)
            fid, oid, cid = self.lookup.facility(r), self.lookup.organization(r), self.lookup.case(r)
            sids = self.lookup.source_ids(r)
            if len(self.report.errors) > n_err:
                continue
            h = services.content_hash(r.event, r.date, fid, oid, cid, r.details)
            pending.append(_Pending(r, pid, fid, oid, cid, h, sids))
            self._touched.add(pid)

        # people created by this batch have no events yet; for the others, fetch their facts' hashes
        # (by person only: an IN list of hashes as well makes SQLite's planner scan)
        known_people = {x.person_id for x in pending} - self._new_in_batch
        existing: dict[tuple[int, str], int] = {
            (p, h): eid for eid, p, h in Event.objects.filter(person_id__in=known_people)
            .values_list("id", "person_id", "content_hash")} if known_people else {}
        fresh = [x for x in pending if (x.person_id, x.content_hash) not in existing]
        event_ids = iter(bulk.allocate_ids(Event, len({(x.person_id, x.content_hash) for x in fresh})))
        now = timezone.now()
        new_rows: list[tuple] = []
        records: list[services.EventRecord] = []
        new_links: set[tuple[int, int]] = set()
        old_links: set[tuple[int, int]] = set()
        for x in pending:
            key = (x.person_id, x.content_hash)
            if key in existing:
                self.report.events_already_known += 1
                old_links.update((existing[key], s) for s in x.source_ids)
                continue
            r = x.row
            eid = next(event_ids)
            existing[key] = eid
            new_links.update((eid, s) for s in x.source_ids)
            new_rows.append((eid, x.person_id, r.event, r.date.precision.value, r.date.earliest, r.date.latest,
                             x.facility_id, x.organization_id, x.case_id, r.details, r.confidence, r.note, False,
                             True, x.content_hash, now, self.actor.label, self.batch.id, r.row))
            records.append(services.EventRecord(eid, x.person_id, x.case_id, r.event, r.details))
        bulk.insert(Event, EVENT_COLUMNS, new_rows)
        self.report.events_created += len(new_rows)
        self._changed.update(r[1] for r in new_rows)
        bulk.insert(EventSource, ["event_id", "source_id"], sorted(new_links))
        self.report.sources_linked += len(new_links)
        old_links -= set(EventSource.objects.filter(event_id__in={e for e, _ in old_links})
                         .values_list("event_id", "source_id"))
        bulk.insert(EventSource, ["event_id", "source_id"], sorted(old_links - new_links))
        self.report.sources_linked += len(old_links - new_links)
        self.report.created["articles"].extend(services.derive_records(records))

    # -- whole histories --------------------------------------------------------------

    def _check_histories(self) -> None:
        touched = sorted(self._touched)
        for i in range(0, len(touched), 2000):
            chunk = touched[i:i + 2000]
            projected = services.refresh_projections(chunk)
            flagged = {a.event_id: a for proj in projected.values() for a in proj.anomalies}
            if not flagged:
                continue
            info = Event.objects.filter(id__in=flagged).values_list(
                "id", "import_batch_id", "import_row", "type", "person__key")
            for eid, batch_id, row, etype, key in info:
                a = flagged[eid]
                if batch_id == self.batch.id:
                    err = RowError(self.file, row or 0, "event", etype, f"{key}: {a.reason}")
                else:
                    err = RowError(self.file, 0, "event", etype,
                                   f"{key}: stored event #{eid} becomes impossible with this file: {a.reason}")
                (self.report.errors if a.severity == "error" else self.report.warnings).append(err)

