"""The registry's data model (DESIGN.md section 2).

Facts are `Event` rows: dated, sourced, never edited in place; a correction is a new event
that supersedes the old one. `CustodyEpisode` and `StatusPeriod` are projections derived
from the current events by `volia.registry.projections` and must never be edited by hand:
`volia rebuild` recreates them and `volia check` proves they match.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from volia.core import codes
from volia.core.dates import PartialDate, Precision
from volia.security.fields import EncryptedTextField


def _choices(table: dict[str, str]) -> list[tuple[str, str]]:
    return list(table.items())


PRECISIONS = [(p.value, p.value) for p in Precision]
VISIBILITY = [("public", "Public"), ("internal", "Internal"), ("restricted", "Restricted")]


# --- reference tables ------------------------------------------------------------------


class Organization(models.Model):
    code = models.SlugField(max_length=100, unique=True)
    name_be = models.CharField(max_length=300, blank=True)
    name_ru = models.CharField(max_length=300, blank=True)
    name_en = models.CharField(max_length=300, blank=True)
    website = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en or self.name_be or self.code


class Source(models.Model):
    """Where a fact comes from. `title` is also the key that import files refer to."""

    title = models.CharField(max_length=500, unique=True)
    kind = models.CharField(max_length=20, choices=_choices(codes.SOURCE_KINDS), default="other")
    publisher = models.CharField(max_length=300, blank=True)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT)
    published_on = models.DateField(null=True, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True, help_text="hash of the stored copy")
    visibility = models.CharField(max_length=12, choices=VISIBILITY, default="internal",
                                  help_text="a source that names a family member or an informant stays internal")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Facility(models.Model):
    code = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=_choices(codes.FACILITY_KINDS), default="other")
    regime = models.CharField(max_length=20, choices=_choices(codes.REGIMES), blank=True)
    number = models.CharField(max_length=20, blank=True)
    name_be = models.CharField(max_length=300, blank=True)
    name_ru = models.CharField(max_length=300, blank=True)
    name_en = models.CharField(max_length=300, blank=True)
    region = models.CharField(max_length=20, choices=_choices(codes.REGIONS), blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_address_ru = models.TextField(blank=True)
    postal_address_be = models.TextField(blank=True)
    address_confidence = models.CharField(max_length=30, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return self.name_en or self.name_ru or self.code


class CriminalArticle(models.Model):
    """An article of the Criminal Code of Belarus used in political cases."""

    number = models.CharField(max_length=20, unique=True)
    title_be = models.CharField(max_length=500, blank=True)
    title_ru = models.CharField(max_length=500, blank=True)
    title_en = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title_en}".strip()


class Official(models.Model):
    ROLES = [("judge", "Judge"), ("prosecutor", "Prosecutor"), ("investigator", "Investigator"),
             ("facility_head", "Facility head"), ("other", "Other")]
    name = models.CharField(max_length=300)
    role = models.CharField(max_length=20, choices=ROLES)
    institution = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


# --- people ----------------------------------------------------------------------------


class Person(models.Model):
    key = models.CharField(max_length=100, unique=True,
                           help_text="stable key used by import and export files")
    sex = models.CharField(max_length=1, choices=_choices(codes.SEX), blank=True)
    birth_precision = models.CharField(max_length=5, choices=PRECISIONS, blank=True)
    birth_earliest = models.DateField(null=True, blank=True)
    birth_latest = models.DateField(null=True, blank=True)
    region = models.CharField(max_length=20, choices=_choices(codes.REGIONS), blank=True)
    visibility = models.CharField(max_length=12, choices=VISIBILITY, default="internal")
    notes = EncryptedTextField(blank=True, help_text="restricted: encrypted at rest")
    version = models.PositiveIntegerField(default=1, help_text="raised by every change; an edit based on an older "
                                                                 "version is refused (optimistic locking)")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged",
                                    help_text="set when this record was merged into another; undone by un-merge")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.primary_name or self.key

    @property
    def primary(self) -> PersonName | None:
        """The primary name; uses the prefetch cache when the caller prefetched names."""
        return next((n for n in self.names.all() if n.is_primary), None)

    @property
    def primary_name(self) -> str:
        primary = self.primary
        return primary.text if primary else ""

    @property
    def birth_date(self) -> PartialDate | None:
        if not self.birth_earliest:
            return None
        return PartialDate.from_stored(self.birth_precision, self.birth_earliest)


class PersonGroup(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="groups")
    group = models.CharField(max_length=30, choices=_choices(codes.GROUPS))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "group"], name="person_group_unique")]

    def __str__(self) -> str:
        return self.group


class PersonName(models.Model):
    SCRIPTS = [("Cyrl", "Cyrillic"), ("Latn", "Latin"), ("Hani", "Han"), ("Zyyy", "Other")]
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    text = models.CharField(max_length=300)
    language = models.CharField(max_length=5, choices=_choices(codes.LANGUAGES))
    script = models.CharField(max_length=4, choices=SCRIPTS)
    kind = models.CharField(max_length=20, choices=_choices(codes.NAME_KINDS), default="alias")
    is_primary = models.BooleanField(default=False)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "language", "text"]
        constraints = [
            models.UniqueConstraint(fields=["person", "text", "language"], name="person_name_unique"),
            models.UniqueConstraint(fields=["person"], condition=Q(is_primary=True),
                                    name="one_primary_name"),
        ]
        indexes = [models.Index(fields=["text"])]

    def __str__(self) -> str:
        return f"{self.text} [{self.language}]"


# --- cases and events ------------------------------------------------------------------


class Case(models.Model):
    number = models.CharField(max_length=100, blank=True)
    court = models.CharField(max_length=300, blank=True)
    judge = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    prosecutor = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    investigator = models.ForeignKey(Official, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["number"], condition=~Q(number=""),
                                               name="case_number_unique")]

    def __str__(self) -> str:
        return self.number or f"case #{self.pk}"


class ImportBatch(models.Model):
    """One run of `volia import`: the provenance of every event it wrote."""

    file_name = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64)
    mapping = models.CharField(max_length=500, blank=True)
    actor = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    report = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"import #{self.pk} {self.file_name}"


class Event(models.Model):
    # indexed by the (person, content_hash) index below; a second index would only slow imports
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="events", db_index=False)
    type = models.CharField(max_length=30, choices=[(c, t.label) for c, t in codes.EVENT_TYPES.items()])
    date_precision = models.CharField(max_length=5, choices=PRECISIONS)
    date_earliest = models.DateField()
    date_latest = models.DateField()
    facility = models.ForeignKey(Facility, null=True, blank=True, on_delete=models.PROTECT)
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT)
    details = models.JSONField(default=dict, blank=True)
    confidence = models.CharField(max_length=10, choices=_choices(codes.CONFIDENCE), default="confirmed")
    note = models.TextField(blank=True)
    sources: models.ManyToManyField[Source, EventSource] = models.ManyToManyField(
        Source, through="EventSource", related_name="events")
    officials = models.ManyToManyField(Official, blank=True, related_name="events",
                                       help_text="judges, prosecutors, investigators... who took part")

    # corrections never overwrite: a new row supersedes the old one
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    is_retraction = models.BooleanField(default=False, help_text="withdraws the event it supersedes")
    is_current = models.BooleanField(default=True, help_text="neither superseded nor a retraction")
    content_hash = models.CharField(max_length=32, help_text="identity of the fact, for deduplication")

    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT)
    import_row = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["person", "date_earliest", "id"]
        indexes = [
            models.Index(fields=["person", "content_hash"]),
            models.Index(fields=["type", "date_earliest"]),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.date}"

    @property
    def date(self) -> PartialDate:
        return PartialDate(Precision(self.date_precision), self.date_earliest, self.date_latest)


class EventSource(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, db_index=False)  # the unique index leads with it
    source = models.ForeignKey(Source, on_delete=models.PROTECT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "source"], name="event_source_unique")]

    def __str__(self) -> str:
        return f"event #{self.event_id} ← source #{self.source_id}"


class Charge(models.Model):
    """A charge under one article, as reported by an event (charged, sentenced...)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="charges")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="charges")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="charges")
    article = models.ForeignKey(CriminalArticle, on_delete=models.PROTECT)
    part = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.article.number}" + (f":{self.part}" if self.part else "")


class Sentence(models.Model):
    """The sentence a `sentenced` (or `appeal_decided`, `sentence_changed`) event reports."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="sentence")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sentences")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=30, choices=_choices(codes.SENTENCE_KINDS), blank=True)
    months = models.PositiveIntegerField(null=True, blank=True)
    credited_days = models.PositiveIntegerField(null=True, blank=True)
    fine = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.months or ''}m"


# --- projections (derived; never edit by hand) -----------------------------------------


class CustodyEpisode(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="episodes")
    seq = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=15)  # criminal | administrative
    start_event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    start_precision = models.CharField(max_length=5, choices=PRECISIONS)
    start_earliest = models.DateField()
    start_latest = models.DateField()
    end_event = models.ForeignKey(Event, null=True, on_delete=models.CASCADE, related_name="+")
    end_precision = models.CharField(max_length=5, choices=PRECISIONS, blank=True)
    end_earliest = models.DateField(null=True)
    end_latest = models.DateField(null=True)
    end_kind = models.CharField(max_length=20, blank=True)  # release kind, died_in_custody, house_arrest
    deported = models.BooleanField(default=False)

    class Meta:
        ordering = ["person", "seq"]
        constraints = [models.UniqueConstraint(fields=["person", "seq"], name="episode_seq_unique")]
        indexes = [models.Index(fields=["start_earliest", "end_earliest"])]

    def __str__(self) -> str:
        return f"{self.start_earliest} – {self.end_earliest or '…'}"

    def held_on(self, day: dt.date) -> bool:
        return self.start_earliest <= day and (self.end_earliest is None or day < self.end_earliest)


class StatusPeriod(models.Model):
    """A person's status from `start` (inclusive) until `end` (exclusive; null = still)."""

    STATUSES = [("held", "Held"), ("house_arrest", "House arrest"), ("released", "Released"),
                ("exile", "In exile"), ("deceased", "Deceased")]
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="status_periods")
    status = models.CharField(max_length=15, choices=STATUSES)
    start = models.DateField()
    end = models.DateField(null=True)

    class Meta:
        ordering = ["person", "start"]
        indexes = [models.Index(fields=["status", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.status} {self.start}–{self.end or ''}"


# --- audit -----------------------------------------------------------------------------


class AuditEntry(models.Model):
    """Who changed what, when and why. Written by the service layer in the same transaction."""

    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=50)
    object_id = models.BigIntegerField()
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="audit_entries")
    changes = models.JSONField(default=dict)
    reason = models.TextField(blank=True)
    # hash chain (volia.security.audit_chain): position, the previous entry's hash, this entry's hash
    seq = models.PositiveBigIntegerField(null=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}#{self.object_id}"


class AccessLog(models.Model):
    """A read of restricted data or an export: who, when, what (ids, filters) and how many rows."""

    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    action = models.CharField(max_length=50)
    detail = models.JSONField(default=dict)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    seq = models.PositiveBigIntegerField(null=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"


class ChainHead(models.Model):
    """The last link of a hash chain ("audit", "access"): a deleted or truncated tail shows against it."""

    chain = models.CharField(max_length=20, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}"


# --- restricted contacts ---------------------------------------------------------------


class PersonContact(models.Model):
    """A relative's or lawyer's contact: restricted, every text column encrypted at rest."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contacts")
    relation = EncryptedTextField(blank=True, help_text="mother, spouse, lawyer...")
    name = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    address = EncryptedTextField(blank=True)
    note = EncryptedTextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True,
                                  help_text="keyed hash (HMAC-SHA256) of the normalised phone, for exact lookup")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person", "id"]

    def __str__(self) -> str:
        return f"contact #{self.pk} of person #{self.person_id}"
