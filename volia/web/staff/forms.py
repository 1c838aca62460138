"""Forms of the staff workspace. They only parse and check the shape of input; the rules of the
registry (which details a type takes, impossible histories...) are the service layer's, and its
ValidationErrors are put back next to the fields they name (`add_service_errors`).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from volia.core import codes
from volia.core.dates import PartialDate, PartialDateError
from volia.core.details import parse_articles
from volia.registry.models import VISIBILITY, Event, Facility, Organization, Source

# The detail fields of all event types, in the order the form shows them. Without JavaScript the
# form cannot hide the ones a type does not take, so each says which types use it.
DETAIL_FIELDS = ("articles", "sentence_kind", "sentence_months", "credited_days", "fine", "court",
                 "appeal_outcome", "release_kind", "deported", "documents_confiscated", "contact_kind",
                 "condition", "days", "place")
BOOLEAN_DETAILS = ("deported", "documents_confiscated")


def _used_by(detail: str) -> str:
    types = [t.code for t in codes.EVENT_TYPES.values() if detail in t.details]
    return "for " + ", ".join(types)


def _codes(table: dict[str, str]) -> list[tuple[str, str]]:
    return [("", "—"), *table.items()]


class EventForm(forms.Form):
    """One event with its details and sources: used to add an event and to correct one."""

    type = forms.ChoiceField(choices=[(c, t.label) for c, t in codes.EVENT_TYPES.items()], label="Event type")
    date = forms.CharField(max_length=10, help_text="YYYY, YYYY-MM or YYYY-MM-DD: a partial date stays partial")
    facility = forms.ModelChoiceField(Facility.objects.all(), required=False, empty_label="—")
    organization = forms.ModelChoiceField(Organization.objects.all(), required=False, empty_label="—")
    confidence = forms.ChoiceField(choices=list(codes.CONFIDENCE.items()), initial="confirmed")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           help_text="internal note; never shown to the public")

    articles = forms.CharField(required=False, max_length=300, help_text="e.g. 342:1; 361-1 — " + _used_by("articles"))
    sentence_kind = forms.ChoiceField(choices=_codes(codes.SENTENCE_KINDS), required=False,
                                      help_text=_used_by("sentence_kind"))
    sentence_months = forms.IntegerField(required=False, min_value=0, help_text=_used_by("sentence_months"))
    credited_days = forms.IntegerField(required=False, min_value=0, help_text=_used_by("credited_days"))
    fine = forms.IntegerField(required=False, min_value=0, help_text="base units — " + _used_by("fine"))
    court = forms.CharField(required=False, max_length=300, help_text=_used_by("court"))
    appeal_outcome = forms.ChoiceField(choices=_codes(codes.APPEAL_OUTCOMES), required=False,
                                       help_text=_used_by("appeal_outcome"))
    release_kind = forms.ChoiceField(choices=_codes(codes.RELEASE_KINDS), required=False,
                                     help_text=_used_by("release_kind"))
    deported = forms.BooleanField(required=False, help_text=_used_by("deported"))
    documents_confiscated = forms.BooleanField(required=False, help_text=_used_by("documents_confiscated"))
    contact_kind = forms.ChoiceField(choices=_codes(codes.CONTACT_KINDS), required=False,
                                     help_text=_used_by("contact_kind"))
    condition = forms.ChoiceField(choices=_codes(codes.HEALTH_CONDITIONS), required=False,
                                  help_text=_used_by("condition"))
    days = forms.IntegerField(required=False, min_value=0, help_text=_used_by("days"))
    place = forms.CharField(required=False, max_length=300, help_text=_used_by("place"))

    sources = forms.ModelMultipleChoiceField(Source.objects.none(), required=False,
                                             widget=forms.CheckboxSelectMultiple, label="Known sources")
    other_sources = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Other existing sources",
        help_text="titles of sources already in the registry, one per line, exactly as stored")
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="why: kept in the audit log")
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, sources: QuerySet[Source], reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].queryset = sources  # type: ignore[attr-defined]
        self.fields["reason"].required = reason_required

    def clean_date(self) -> str:
        text = self.cleaned_data["date"].strip()
        try:
            PartialDate.parse(text)
        except PartialDateError as exc:
            raise ValidationError(str(exc)) from exc
        return text

    def clean_articles(self) -> list[str]:
        arts, problems = parse_articles(self.cleaned_data.get("articles") or "")
        if problems:
            raise ValidationError([f"{p.value!r}: {p.reason}" for p in problems])
        return arts

    def clean_other_sources(self) -> list[Source]:
        titles = [t.strip() for t in (self.cleaned_data.get("other_sources") or "").splitlines() if t.strip()]
        found = {s.title: s for s in Source.objects.filter(title__in=titles)}
        missing = [t for t in titles if t not in found]
        if missing:
            raise ValidationError("no source with the title(s) " + "; ".join(repr(t) for t in missing)
                                  + " — add a new source below instead")
        return [found[t] for t in dict.fromkeys(titles)]

    def details(self) -> dict[str, object]:
        """The detail values given (empty ones left out); the service checks them against the type."""
        out: dict[str, object] = {}
        for name in DETAIL_FIELDS:
            value = self.cleaned_data.get(name)
            if name in BOOLEAN_DETAILS:
                if value:
                    out[name] = True
            elif value not in (None, "", []):
                out[name] = value
        return out

    def picked_sources(self) -> list[Source]:
        chosen = list(self.cleaned_data.get("sources") or [])
        return chosen + [s for s in self.cleaned_data.get("other_sources") or [] if s not in chosen]

    @classmethod
    def initial_for(cls, event: Event, version: int, details: dict[str, object],
                    sources: list[Source]) -> dict[str, object]:
        """The form's values for correcting `event`: `details` and `sources` as the viewer may see them."""
        initial: dict[str, object] = {
            "type": event.type, "date": str(event.date), "facility": event.facility_id,
            "organization": event.organization_id, "confidence": event.confidence, "note": event.note,
            "sources": [s.pk for s in sources], "expected_version": version,
        }
        for name in DETAIL_FIELDS:
            if name in details:
                value = details[name]
                initial[name] = "; ".join(map(str, value)) if isinstance(value, list) else value
        return initial


class NewSourceForm(forms.Form):
    title = forms.CharField(max_length=500, required=False, label="New source title")
    url = forms.URLField(max_length=2000, required=False, label="URL", assume_scheme="https")
    kind = forms.ChoiceField(choices=list(codes.SOURCE_KINDS.items()), initial="news")
    visibility = forms.ChoiceField(choices=VISIBILITY, initial="internal",
                                   help_text="a source naming a relative or informant stays internal or restricted")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        title = (data.get("title") or "").strip()
        data["title"] = title
        if not title and data.get("url"):
            self.add_error("title", "a new source needs a title")
        elif title and Source.objects.filter(title=title).exists():
            self.add_error("title", f"a source titled {title!r} exists already: tick it or list it under "
                                    "other existing sources")
        return data


NewSourceFormSet = forms.formset_factory(NewSourceForm, extra=2, max_num=5)


def new_sources(formset) -> list[dict[str, str]]:
    """The filled rows of a valid NewSourceFormSet."""
    return [{k: f.cleaned_data[k] for k in ("title", "url", "kind", "visibility")}
            for f in formset.forms if f.cleaned_data.get("title")]


class ReasonForm(forms.Form):
    """Retracting an event, merging, rejecting a candidate: a mandatory reason."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="kept in the audit log")
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("a reason is required")
        return reason


class NameForm(forms.Form):
    text = forms.CharField(max_length=300, label="Name")
    language = forms.ChoiceField(choices=[("", "guess from the script"), *codes.LANGUAGES.items()], required=False)
    kind = forms.ChoiceField(choices=[(k, v) for k, v in codes.NAME_KINDS.items() if k != "primary"],
                             initial="alias")
    reason = forms.CharField(required=False, max_length=500)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (others at the top of the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None,
                           [f"{field}: {e}" if field not in form.fields else e for e in errors])
    else:
        form.add_error(None, exc.messages)
