"""/staff/import/: upload → (column mapping) → preview and dry run → confirm → report.

The wizard's state is the session's reference to one upload; the files themselves stay on the
server (volia.web.staff.wizard). Nothing is written to the registry before "confirm", and the
confirmed import is the importer's single transaction.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from volia.interchange import canonical
from volia.registry import services
from volia.web.staff import wizard
from volia.web.staff.access import render, staff_view

SESSION_KEY = "staff_import"
# room for the form's other fields and a mapping file around the uploaded file itself
MULTIPART_MARGIN = 2 * 1024 * 1024


def _declared_size(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV, XLSX or JSON Lines; at most "
                                     f"{wizard.MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    mapping = forms.FileField(required=False, label="Column mapping (optional)",
                              help_text="a TOML mapping file (docs/mapping.md) for a CSV or XLSX layout; "
                                        "without one, a file that is not in the canonical format gets a mapping "
                                        "step")
    visibility = forms.ChoiceField(choices=[(v, v) for v in canonical.VISIBILITIES], initial="internal",
                                   help_text="of new people whose rows do not say")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="why: kept in the audit log")


class DialectForm(forms.Form):
    encoding = forms.ChoiceField(choices=list(wizard.ENCODINGS.items()))
    delimiter = forms.ChoiceField(choices=list(wizard.DELIMITERS.items()))


class MappingForm(forms.Form):
    """For each canonical column, the source column that holds it."""

    key_prefix = forms.SlugField(required=False, max_length=40, help_text="put before every key, e.g. viasna- "
                                 "(keys are global in the registry)")
    fixed_event = forms.ChoiceField(choices=[("", "—"), *wizard.event_choices()], required=False,
                                    label="Event type for every row",
                                    help_text="when no column holds the event type")
    date_formats = forms.CharField(initial="%Y-%m-%d", max_length=200,
                                   help_text="the file's date formats, separated by spaces: %d.%m.%Y %Y-%m-%d "
                                             "(partial dates are understood)")
    source = forms.CharField(required=False, max_length=500, label="Source for every row",
                             help_text="used where the row names no source, e.g. the list's title and date")
    confidence = forms.ChoiceField(choices=[("", "—"), ("confirmed", "confirmed"), ("reported", "reported"),
                                            ("disputed", "disputed")], required=False,
                                   label="Confidence for every row")

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in the file —"), *((c, c) for c in columns if c)]
        labels = {"person": "person (the person's key)", "event": "event (its type)"}
        self.targets = ["person", "event", "date", *wizard.PERSON_TARGETS, *wizard.EVENT_TARGETS]
        for target in self.targets:
            same = target if target in columns else ""
            self.fields[f"col_{target}"] = forms.ChoiceField(
                choices=choices, required=target in ("person", "date"), initial=same,
                label=labels.get(target, target))

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("col_event") and not data.get("fixed_event"):
            self.add_error("fixed_event", "choose the column holding the event type, or one type for every row")
        formats = (data.get("date_formats") or "").split()
        if not formats:
            self.add_error("date_formats", "give at least one date format")
        data["formats"] = formats
        return data

    def columns(self) -> dict[str, str]:
        return {t: self.cleaned_data[f"col_{t}"] for t in self.targets if self.cleaned_data.get(f"col_{t}")}

    def constants(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in ("source", "confidence") if self.cleaned_data.get(k)}


def _upload(request: HttpRequest) -> wizard.Upload | None:
    return wizard.Upload.from_session(request.session.get(SESSION_KEY))


def _save(request: HttpRequest, upload: wizard.Upload) -> None:
    request.session[SESSION_KEY] = upload.as_session()


def _forget(request: HttpRequest, upload: wizard.Upload | None) -> None:
    if upload is not None:
        upload.delete()
    request.session.pop(SESSION_KEY, None)


@staff_view("import.run")
def start(request: HttpRequest) -> HttpResponse:
    pending = _upload(request)
    if request.method == "POST" and _declared_size(request) > wizard.MAX_UPLOAD_BYTES + MULTIPART_MARGIN:
        # refused before Django spools the body to a temporary file
        too_large = f"The upload is larger than the limit of {wizard.MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
        return render(request, "staff/import_upload.html", {"form": UploadForm(), "pending": pending,
                                                            "too_large": too_large}, status=413)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _forget(request, pending)
        d = form.cleaned_data
        try:
            upload = wizard.store(d["file"], d["mapping"], reason=d["reason"].strip(), visibility=d["visibility"])
        except wizard.UploadError as exc:
            form.add_error("mapping" if d["mapping"] and "mapping" in str(exc) else "file", str(exc))
        else:
            _save(request, upload)
            if upload.has_mapping or wizard.is_canonical(upload):
                return redirect("staff:import_preview")
            return redirect("staff:import_mapping")
    return render(request, "staff/import_upload.html", {"form": form, "pending": pending})


@staff_view("import.run")
def mapping_step(request: HttpRequest) -> HttpResponse:
    upload = _upload(request)
    if upload is None:
        messages.error(request, "No upload is waiting: upload the file first.")
        return redirect("staff:import")
    if not upload.is_table:
        return redirect("staff:import_preview")
    guessed = wizard.guess_dialect(upload.path) if upload.suffix == ".csv" else wizard.CsvDialect()
    source = request.POST if request.method == "POST" else request.GET
    dialect_form = DialectForm(source if "encoding" in source else None,
                               initial={"encoding": guessed.encoding, "delimiter": guessed.delimiter})
    dialect = (wizard.CsvDialect(**dialect_form.cleaned_data) if dialect_form.is_bound and dialect_form.is_valid()
               else guessed)
    try:
        columns = wizard.header(upload, dialect)
    except wizard.UploadError as exc:
        columns, header_error = [], str(exc)
    else:
        header_error = ""
    form = MappingForm(request.POST or None, columns=columns)
    if request.method == "POST" and not header_error and form.is_valid():
        text = wizard.mapping_toml(upload, dialect, columns=form.columns(), key_prefix=form.cleaned_data["key_prefix"],
                                   fixed_event=form.cleaned_data["fixed_event"],
                                   date_formats=form.cleaned_data["formats"], constants=form.constants())
        try:
            wizard.save_mapping(upload, text)
        except wizard.UploadError as exc:
            form.add_error(None, str(exc))
        else:
            _save(request, upload)
            return redirect("staff:import_preview")
    return render(request, "staff/import_mapping.html", {
        "upload": upload, "form": form, "dialect_form": dialect_form, "dialect": dialect, "columns": columns,
        "header_error": header_error, "is_csv": upload.suffix == ".csv",
        "targets": [form[f"col_{t}"] for t in form.targets]})


@staff_view("import.run")
def mapping_file(request: HttpRequest) -> HttpResponse:
    """The mapping made in the wizard, to keep and reuse with `volia import --mapping`."""
    upload = _upload(request)
    if upload is None or not upload.has_mapping:
        messages.error(request, "There is no mapping to download.")
        return redirect("staff:import")
    response = HttpResponse(upload.mapping_path.read_bytes(), content_type="application/toml; charset=utf-8")
    stem = upload.name.rsplit(".", 1)[0] or "mapping"
    response["Content-Disposition"] = f'attachment; filename="{_safe_filename(stem)}.toml"'
    return response


def _safe_filename(stem: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:80] or "mapping"


@staff_view("import.run")
def preview_step(request: HttpRequest) -> HttpResponse:
    upload = _upload(request)
    if upload is None:
        messages.error(request, "No upload is waiting: upload the file first.")
        return redirect("staff:import")
    context: dict[str, object] = {"upload": upload}
    try:
        context["preview"] = wizard.preview(upload)
        report = wizard.run(upload, services.Actor.of_user(request.user), dry_run=True)
    except wizard.UploadError as exc:
        context["fatal"] = str(exc)
    else:
        context["report"] = report
        context["errors_shown"] = report.errors[:wizard.MAX_ERRORS_SHOWN]
    return render(request, "staff/import_preview.html", context)


@require_POST
@staff_view("import.run")
def confirm(request: HttpRequest) -> HttpResponse:
    upload = _upload(request)
    if upload is None:
        messages.error(request, "No upload is waiting (already imported or cancelled).")
        return redirect("staff:import")
    try:
        report = wizard.run(upload, services.Actor.of_user(request.user), dry_run=False)
    except wizard.UploadError as exc:
        return render(request, "staff/import_preview.html", {"upload": upload, "fatal": str(exc)})
    if not report.ok:  # the registry changed since the dry run: nothing was written, the upload stays
        return render(request, "staff/import_preview.html", {
            "upload": upload, "report": report, "errors_shown": report.errors[:wizard.MAX_ERRORS_SHOWN],
            "changed": True})
    _forget(request, upload)
    return render(request, "staff/import_done.html", {"report": report, "upload": upload})


@require_POST
@staff_view("import.run")
def cancel(request: HttpRequest) -> HttpResponse:
    _forget(request, _upload(request))
    messages.info(request, "The upload was deleted; nothing was imported.")
    return redirect("staff:import")

