"""The import wizard: upload, column mapping, preview with the dry run's row errors, confirm."""

from __future__ import annotations

import io
import tomllib

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from volia.interchange.mapping import load_mapping
from volia.registry.models import Event, ImportBatch, Person
from volia.web.staff import wizard

pytestmark = pytest.mark.django_db

GOOD = ("person,name,event,date,release_kind,source\n"
        "imp-1,Алесь Імпартаваны,detained,2021-03-02,,List 2024\n"
        "imp-1,,released,2021-03-20,sentence_served,List 2024\n"
        "imp-2,Марына Імпартаваная,detained,2022-05,,List 2024\n")
BAD = ("person,name,event,date\n"
       "imp-1,Алесь Імпартаваны,detained,2021-03-02\n"
       "imp-2,Марына,arested,2022-05-01\n"
       "imp-3,Ян,detained,2023-02-30\n")
FOREIGN = ("ID;ФИО;Что;Когда;Статья\n"
           "17;Алесь Узорны;detained;14.07.2021;\n"
           "17;;charged;08.2021;342:1\n"
           "18;Марина Прыкладава;detained;2022;\n")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def uploads(data_dir) -> list[str]:
    d = data_dir / "uploads"
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def upload(client, name: str, content: bytes | str, mapping: str | None = None, **extra):
    data = {"file": SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content),
            "reason": "spring list", "visibility": "internal", **extra}
    if mapping is not None:
        data["mapping"] = SimpleUploadedFile("list.toml", mapping.encode())
    return client.post(reverse("staff:import"), data)


def test_a_canonical_file_goes_to_the_preview_and_imports_on_confirm(editor, data_dir):
    r = upload(editor, "spring.csv", GOOD)
    assert r.status_code == 302 and r["Location"] == reverse("staff:import_preview")
    stored = uploads(data_dir)
    assert len(stored) == 1 and stored[0].endswith(".csv") and "spring" not in stored[0]
    assert (data_dir / "uploads" / stored[0]).stat().st_mode & 0o077 == 0  # readable by the server only
    html = editor.get(reverse("staff:import_preview")).content.decode()
    assert "Алесь Імпартаваны" in html and "2022-05" in html  # the first rows, as they will be imported
    assert "No errors" in html and 'id="confirm_form"' in html
    assert not Person.objects.filter(key__startswith="imp-").exists()  # the dry run wrote nothing
    r = editor.post(reverse("staff:import_confirm"))
    html = r.content.decode()
    assert r.status_code == 200 and "is written" in html
    assert set(Person.objects.filter(key__startswith="imp-").values_list("key", flat=True)) == {"imp-1", "imp-2"}
    batch = ImportBatch.objects.get()
    assert (batch.actor, batch.file_name, batch.reason) == ("editor-persona", "spring.csv", "spring list")
    assert Event.objects.filter(import_batch=batch).count() == 3
    assert uploads(data_dir) == []  # deleted after the import
    assert editor.post(reverse("staff:import_confirm")).status_code == 302  # nothing left to confirm


def test_the_dry_run_lists_row_errors_and_nothing_can_be_imported(editor, data_dir):
    upload(editor, "bad.csv", BAD)
    html = editor.get(reverse("staff:import_preview")).content.decode()
    assert "2 errors" in html and 'id="confirm_form"' not in html
    rows = html[html.index('class="rowerrors'):]
    assert ('<td data-label="File">bad.csv</td><td data-label="Row">3</td><td data-label="Column">event</td>'
            '<td data-label="Value"><code>arested</code></td>') in rows
    assert '<td data-label="Row">4</td><td data-label="Column">date</td>' in rows and "2023-02-30" in rows
    # a forged confirm writes nothing either: the importer checks the whole file again
    r = editor.post(reverse("staff:import_confirm"))
    assert r.status_code == 200 and "arested" in r.content.decode()
    assert not Person.objects.filter(key__startswith="imp-").exists() and not ImportBatch.objects.exists()
    editor.post(reverse("staff:import_cancel"))
    assert uploads(data_dir) == []


def test_a_foreign_csv_gets_a_column_mapping_saved_as_toml(editor, data_dir):
    r = upload(editor, "ngo.csv", FOREIGN)
    assert r["Location"] == reverse("staff:import_mapping")
    html = editor.get(reverse("staff:import_mapping")).content.decode()
    assert "<code>ФИО</code>" in html and 'value=";" selected' in html  # the delimiter was recognised
    post = {"encoding": "utf-8-sig", "delimiter": ";", "col_person": "ID", "col_name": "ФИО", "col_event": "Что",
            "col_date": "Когда", "col_articles": "Статья", "key_prefix": "ngo-", "date_formats": "%d.%m.%Y",
            "source": "NGO list 2024", "confidence": "reported"}
    r = editor.post(reverse("staff:import_mapping"), {**post, "col_event": "", "fixed_event": ""})
    assert r.status_code == 200 and "choose the column holding the event type" in r.content.decode()
    r = editor.post(reverse("staff:import_mapping"), post)
    assert r.status_code == 302 and r["Location"] == reverse("staff:import_preview")
    html = editor.get(reverse("staff:import_preview")).content.decode()
    assert "ngo-17" in html and "2021-07-14" in html and "2021-08" in html and "No errors" in html
    toml = editor.get(reverse("staff:import_mapping_file"))
    assert toml["Content-Disposition"] == 'attachment; filename="ngo.toml"'
    parsed = tomllib.loads(toml.content.decode())
    assert parsed["person"]["key"] == {"column": "ID", "prefix": "ngo-"}
    assert parsed["events"][0]["date"] == {"column": "Когда", "formats": ["%d.%m.%Y"]}
    assert parsed["file"]["delimiter"] == ";"
    saved = data_dir / "again.toml"
    saved.write_bytes(toml.content)
    load_mapping(saved)  # reusable with `volia import --mapping`
    editor.post(reverse("staff:import_confirm"))
    assert Person.objects.get(key="ngo-17").names.get().text == "Алесь Узорны"
    charged = Event.objects.get(person__key="ngo-17", type="charged")
    assert charged.details == {"articles": ["342:1"]} and charged.confidence == "reported"
    assert [s.title for s in charged.sources.all()] == ["NGO list 2024"]
    assert uploads(data_dir) == []


def test_an_xlsx_file_is_mapped_too(editor):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Key", "Name", "Detained on"])
    ws.append(["x-1", "Ян Эксэлеўскі", "2020-08-10"])
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(editor, "list.xlsx", buf.getvalue())
    assert r["Location"] == reverse("staff:import_mapping")
    r = editor.post(reverse("staff:import_mapping"), {"col_person": "Key", "col_name": "Name",
                                                       "col_date": "Detained on", "fixed_event": "detained",
                                                       "date_formats": "%Y-%m-%d"})
    assert r.status_code == 302
    editor.post(reverse("staff:import_confirm"))
    assert Event.objects.get(person__key="x-1").type == "detained"


def test_an_uploaded_mapping_skips_the_mapping_step(editor):
    mapping = ('[file]\ndelimiter = ";"\n[person]\nkey = { column = "ID", prefix = "m-" }\nname = "ФИО"\n'
               '[[events]]\nevent = { column = "Что" }\ndate = { column = "Когда", formats = ["%d.%m.%Y"] }\n'
               'articles = "Статья"\n')
    r = upload(editor, "ngo.csv", FOREIGN, mapping=mapping)
    assert r["Location"] == reverse("staff:import_preview")
    html = editor.get(reverse("staff:import_preview")).content.decode()
    assert "m-18" in html and "list.toml" in html


def test_a_broken_mapping_is_refused_naming_the_key(editor, data_dir):
    r = upload(editor, "ngo.csv", FOREIGN, mapping='[person]\nkey = "ID"\n[[events]]\nevent = "detaind"\n'
                                                      'date = "Когда"\n')
    html = r.content.decode()
    assert r.status_code == 200 and "list.toml: events[1]" in html and "detaind" in html
    assert str(data_dir) not in html
    assert uploads(data_dir) == []


def test_uploads_are_limited_in_type_and_size(editor, data_dir, monkeypatch):
    r = upload(editor, "list.xls", b"\xd0\xcf\x11\xe0")
    assert "list.xls: unsupported file type" in r.content.decode() and "save an old .xls as .xlsx" in r.content.decode()
    monkeypatch.setattr(wizard, "MAX_UPLOAD_BYTES", 100)
    r = upload(editor, "big.csv", GOOD * 3)
    assert "big.csv is larger than the limit" in r.content.decode()
    assert uploads(data_dir) == []


def test_a_mapping_that_does_not_fit_the_file_is_a_clear_error(editor, data_dir):
    mapping = '[person]\nkey = "Nope"\n[[events]]\nevent = "detained"\ndate = "Когда"\n'
    upload(editor, "ngo.csv", FOREIGN, mapping=mapping)
    html = editor.get(reverse("staff:import_preview")).content.decode()
    assert "missing from the header of ngo.csv" in html and "&#x27;Nope&#x27;" in html
    assert str(data_dir) not in html


def test_possible_duplicates_of_registry_people_go_to_the_review_queue(editor, make_person):
    from volia.linkage.models import Candidate

    make_person("reg-9", "Алесь Імпартаваны", events=[("detained", "2021-03-02")])
    upload(editor, "spring.csv", GOOD)
    html = editor.get(reverse("staff:import_preview")).content.decode()
    assert "1 possible duplicate of people already in the registry would be filed" in html
    html = editor.post(reverse("staff:import_confirm")).content.decode()
    assert "1 possible duplicate of people already in the registry was filed" in html
    cand = Candidate.objects.get()
    assert {cand.left.key, cand.right.key} == {"reg-9", "imp-1"} and cand.status == "proposed"


def test_an_oversized_request_is_refused_before_it_is_read(editor, data_dir, monkeypatch):
    monkeypatch.setattr(wizard, "MAX_UPLOAD_BYTES", 10)
    body = GOOD * 40000  # a few megabytes
    r = upload(editor, "huge.csv", body)
    assert r.status_code == 413 and "larger than the limit" in r.content.decode()
    assert uploads(data_dir) == []
