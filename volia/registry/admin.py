"""The Django admin: the first staff interface.

Events are facts with a history, so the admin only shows them: recording, correcting and
retracting go through `services.record_event` / `correct_event` / `retract_event`, which
validate, keep the superseded version and write the audit entry. Custody episodes and status
periods are projections of the events: visible here, editable nowhere.

A person's attributes are changed through `services.update_person` with the version the
page was opened at, so an edit made meanwhile by somebody else is refused, never overwritten.
Names and groups edited inline are audited here and raise the person's version too.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from volia.core.dates import PartialDate, PartialDateError, Precision
from volia.core.scripts import script_of
from volia.registry import services
from volia.registry.models import (
    AccessLog,
    AuditEntry,
    Case,
    CriminalArticle,
    CustodyEpisode,
    Event,
    EventSource,
    Facility,
    ImportBatch,
    Official,
    Organization,
    Person,
    PersonGroup,
    PersonName,
    Source,
    StatusPeriod,
)
from volia.search import index as search_index


class ViewOnlyMixin:
    """No add, change or delete for anybody, superusers included: the admin only shows these."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def _partial(precision: str, earliest, latest) -> str:
    return str(PartialDate(Precision(precision), earliest, latest)) if earliest else ""


# --- people ----------------------------------------------------------------------------------


class PersonNameFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        primaries = [f for f in self.forms
                     if f.cleaned_data.get("is_primary") and not f.cleaned_data.get("DELETE")]
        if len(primaries) > 1:
            raise ValidationError("A person has at most one primary name.")


class PersonNameInline(admin.TabularInline):
    model = PersonName
    formset = PersonNameFormSet
    fields = ("text", "language", "kind", "is_primary", "source", "script")
    readonly_fields = ("script",)  # derived from the letters of the text on save
    raw_id_fields = ("source",)
    extra = 0


class PersonGroupInline(admin.TabularInline):
    model = PersonGroup
    extra = 0


class EventInline(ViewOnlyMixin, admin.TabularInline):
    model = Event
    fk_name = "person"
    verbose_name = "event"
    verbose_name_plural = "events (timeline; change them through the service layer)"
    fields = ("date_text", "type", "facility", "organization", "confidence", "state")
    readonly_fields = fields
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return (super().get_queryset(request).select_related("facility", "organization")
                .order_by("date_earliest", "id"))

    @admin.display(description="date")
    def date_text(self, obj: Event) -> str:
        return str(obj.date)

    @admin.display(description="current or superseded")
    def state(self, obj: Event) -> str:
        if obj.is_retraction:
            return "retraction"
        return "current" if obj.is_current else "superseded"


class CustodyEpisodeInline(ViewOnlyMixin, admin.TabularInline):
    model = CustodyEpisode
    fk_name = "person"
    verbose_name_plural = "custody episodes (derived from the events)"
    fields = ("seq", "kind", "start_text", "end_text", "end_kind", "deported")
    readonly_fields = fields
    extra = 0

    @admin.display(description="start")
    def start_text(self, obj: CustodyEpisode) -> str:
        return _partial(obj.start_precision, obj.start_earliest, obj.start_latest)

    @admin.display(description="end")
    def end_text(self, obj: CustodyEpisode) -> str:
        return _partial(obj.end_precision, obj.end_earliest, obj.end_latest) or "still held"


class StatusPeriodInline(ViewOnlyMixin, admin.TabularInline):
    model = StatusPeriod
    verbose_name_plural = "status periods (derived from the events)"
    fields = ("status", "start", "end")
    readonly_fields = fields
    extra = 0


class PersonForm(forms.ModelForm):
    """The person's attributes, plus the version the page was opened at (optimistic locking)."""

    birth_date = forms.CharField(required=False, help_text="YYYY, YYYY-MM or YYYY-MM-DD (partial dates allowed)")
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Person
        fields = ("key", "visibility", "sex", "region", "notes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["birth_date"].initial = str(self.instance.birth_date or "")
            self.fields["expected_version"].initial = self.instance.version

    def clean_birth_date(self) -> str:
        value = self.cleaned_data["birth_date"].strip()
        if value:
            try:
                PartialDate.parse(value)
            except PartialDateError as exc:
                raise ValidationError(str(exc)) from exc
        return value

    def clean(self) -> dict:
        data = super().clean() or {}
        expected = data.get("expected_version")
        if self.instance.pk and expected is not None:
            stored = Person.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if stored is not None and stored != expected:
                raise ValidationError(str(services.ConflictError(self.instance, expected, stored)))
        return data


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonForm
    list_display = ("key", "primary_name", "visibility", "region", "sex", "updated_at")
    list_filter = ("visibility", "region", "sex", "groups__group")
    search_fields = ("key", "names__text")
    readonly_fields = ("created_at", "updated_at", "version", "history_link", "audit_trail")
    fieldsets = [
        (None, {"fields": ("key", "visibility", "sex", "region", "birth_date", "notes", "expected_version")}),
        ("Record", {"fields": ("created_at", "updated_at", "version", "history_link", "audit_trail")}),
    ]
    inlines = [PersonNameInline, PersonGroupInline, EventInline, CustodyEpisodeInline, StatusPeriodInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return super().get_queryset(request).prefetch_related(
            Prefetch("names", queryset=PersonName.objects.filter(is_primary=True)))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # removing a person loses their history; that will be a service (merge / withdraw)
        return False

    @admin.display(description="primary name")
    def primary_name(self, obj: Person) -> str:
        return obj.primary_name

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        # the key is what import files refer to: fixed once the person exists
        return (*self.readonly_fields, "key") if obj is not None else self.readonly_fields

    @admin.display(description="audit history")
    def history_link(self, obj: Person) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:registry_auditentry_changelist") + f"?person__id__exact={obj.pk}"
        return format_html('<a href="{}">audit entries about this person</a>', url)

    @admin.display(description="latest changes")
    def audit_trail(self, obj: Person) -> str:
        if not obj.pk:
            return "—"
        rows = [(f"{e.at:%Y-%m-%d %H:%M}", e.actor, e.action, f"{e.object_type}#{e.object_id}", e.reason)
                for e in reversed(services.history(obj)[-20:])]
        if not rows:
            return "—"
        return format_html("<table><tr><th>when</th><th>who</th><th>what</th><th>record</th><th>why</th></tr>{}"
                           "</table>", format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                                                            "<td>{}</td></tr>", rows))

    # edits made here go through the service layer (version check, audit entry) like every other change

    def save_model(self, request, obj, form, change):
        actor = services.Actor.of_user(request.user)
        if not change:
            born = form.cleaned_data.get("birth_date")
            if born:
                d = PartialDate.parse(born)
                obj.birth_precision, obj.birth_earliest, obj.birth_latest = d.precision.value, d.earliest, d.latest
            super().save_model(request, obj, form, change)
            services.record_audit(actor, "admin_add_person", obj, person=obj, reason="edited in the admin",
                                  changes={f: "(restricted)" if f in services.RESTRICTED_FIELDS
                                           else str(form.cleaned_data.get(f)) for f in form.changed_data
                                           if f != "expected_version"})
            return
        fields = {f: form.cleaned_data[f] for f in services.PERSON_EDITABLE if f in form.cleaned_data}
        stored = Person.objects.get(pk=obj.pk)  # `obj` already carries the form's values
        services.update_person(stored, fields, actor=actor, reason="edited in the admin",
                               expected_version=form.cleaned_data.get("expected_version"))
        obj.version = stored.version

    def save_formset(self, request, form, formset, change):
        actor = services.Actor.of_user(request.user)
        person = form.instance
        deleted = [(f.instance, f.instance.pk, str(f.instance)) for f in formset.deleted_forms if f.instance.pk]
        if formset.model is PersonName:
            names = formset.save(commit=False)
            for name in names:
                name.script = script_of(name.text)
                name.save()
            for gone in formset.deleted_objects:
                gone.delete()
            formset.save_m2m()
            # in the admin's transaction, like the services: the edited names are findable (and the
            # deleted ones gone) as soon as the page is saved
            search_index.refresh([person.pk])
        else:
            formset.save()
        for obj in formset.new_objects:
            services.record_audit(actor, "admin_add", obj, person=person, reason="edited in the admin",
                                  changes={"value": str(obj)})
        for obj, fields in formset.changed_objects:
            services.record_audit(actor, "admin_change", obj, person=person, reason="edited in the admin",
                                  changes={"value": str(obj), "fields": fields})
        for obj, pk, text in deleted:
            obj.pk = pk  # deleting cleared it; the audit entry still names the row
            services.record_audit(actor, "admin_delete", obj, person=person, reason="edited in the admin",
                                  changes={"value": text})
        if change and (formset.new_objects or formset.changed_objects or deleted):
            # save_model has checked the version and still holds the row lock
            person.version = services.lock_person(person)


# --- events ----------------------------------------------------------------------------------


class EventSourceInline(ViewOnlyMixin, admin.TabularInline):
    model = EventSource
    fields = ("source",)
    readonly_fields = ("source",)
    extra = 0


@admin.register(Event)
class EventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("id", "person_link", "type", "date_text", "facility", "confidence", "is_current",
                    "is_retraction", "recorded_at", "recorded_by")
    list_filter = ("type", "is_current", "confidence", "is_retraction")
    search_fields = ("person__key", "person__names__text")
    list_select_related = ("person", "facility")
    raw_id_fields = ("person", "facility", "organization", "case", "supersedes", "import_batch")
    fields = ("person", "type", "date_text", "date_precision", "date_earliest", "date_latest", "facility",
              "organization", "case", "details", "confidence", "note", "source_list", "supersedes",
              "superseded_by_link", "is_retraction", "is_current", "content_hash", "recorded_at",
              "recorded_by", "import_batch", "import_row")
    readonly_fields = ("date_text", "source_list", "superseded_by_link")
    inlines = [EventSourceInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        return super().get_queryset(request).prefetch_related(
            Prefetch("person__names", queryset=PersonName.objects.filter(is_primary=True)))

    @admin.display(description="person", ordering="person__key")
    def person_link(self, obj: Event) -> str:
        url = reverse("admin:registry_person_change", args=[obj.person_id])
        return format_html('<a href="{}">{}</a> <small>{}</small>', url, obj.person.primary_name,
                           obj.person.key)

    @admin.display(description="date", ordering="date_earliest")
    def date_text(self, obj: Event) -> str:
        return str(obj.date)

    @admin.display(description="sources")
    def source_list(self, obj: Event) -> str:
        items = [(reverse("admin:registry_source_change", args=[s.pk]), s.title, s.url or "")
                 for s in obj.sources.order_by("title")]
        if not items:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", '<li><a href="{}">{}</a> <small>{}</small></li>', items))

    @admin.display(description="superseded by")
    def superseded_by_link(self, obj: Event) -> str:
        newer = Event.objects.filter(supersedes=obj).first()
        if newer is None:
            return "—"
        url = reverse("admin:registry_event_change", args=[newer.pk])
        what = "retraction" if newer.is_retraction else "correction"
        return format_html('<a href="{}">{} #{}</a>', url, what, newer.pk)


# --- reference data (editable) -------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "publisher", "organization", "published_on", "url")
    list_filter = ("kind", "organization")
    search_fields = ("title", "publisher", "url")
    raw_id_fields = ("organization",)


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_ru", "kind", "regime", "region", "city")
    list_filter = ("kind", "regime", "region")
    search_fields = ("code", "name_en", "name_ru", "name_be", "city", "number")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_be", "website")
    search_fields = ("code", "name_en", "name_be", "name_ru")


@admin.register(CriminalArticle)
class CriminalArticleAdmin(admin.ModelAdmin):
    list_display = ("number", "title_en", "title_ru")
    search_fields = ("number", "title_en", "title_ru", "title_be")


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "institution")
    list_filter = ("role",)
    search_fields = ("name", "institution")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("__str__", "court", "judge", "prosecutor")
    search_fields = ("number", "court")
    raw_id_fields = ("judge", "prosecutor", "investigator")
    list_select_related = ("judge", "prosecutor")


# --- provenance (read-only) ------------------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "person", "reason")
    list_filter = ("action", "object_type", "actor")
    search_fields = ("actor", "reason", "person__key")
    date_hierarchy = "at"
    list_select_related = ("person",)
    fields = ("seq", "at", "actor", "user", "action", "object_type", "object_id", "person", "changes_text", "reason",
              "prev_hash", "hash")
    readonly_fields = ("changes_text",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return super().get_queryset(request).prefetch_related(
            Prefetch("person__names", queryset=PersonName.objects.filter(is_primary=True)))

    @admin.display(description="changes")
    def changes_text(self, obj: AuditEntry) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.changes, ensure_ascii=False, indent=2, default=str))


@admin.register(ImportBatch)
class ImportBatchAdmin(ViewOnlyMixin, admin.ModelAdmin):
    ordering = ("-started_at",)
    list_display = ("id", "file_name", "actor", "started_at", "finished_at", "event_count")
    search_fields = ("file_name", "actor", "reason")
    date_hierarchy = "started_at"
    fields = ("file_name", "file_sha256", "mapping", "actor", "reason", "started_at", "finished_at",
              "report_text")
    readonly_fields = ("report_text",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportBatch]:
        return super().get_queryset(request).annotate(n_events=Count("event"))

    @admin.display(description="events", ordering="n_events")
    def event_count(self, obj) -> int:
        return obj.n_events

    @admin.display(description="report")
    def report_text(self, obj: ImportBatch) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.report, ensure_ascii=False, indent=2, default=str))


@admin.register(AccessLog)
class AccessLogAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "actor", "action", "row_count")
    list_filter = ("action",)
    search_fields = ("actor",)
    date_hierarchy = "at"
    fields = ("seq", "at", "actor", "user", "action", "detail_text", "row_count", "prev_hash", "hash")
    readonly_fields = ("detail_text",)

    @admin.display(description="what")
    def detail_text(self, obj: AccessLog) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.detail, ensure_ascii=False, indent=2, default=str))
