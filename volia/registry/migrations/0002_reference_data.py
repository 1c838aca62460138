"""Load the reference tables: Criminal Code articles, facilities, organisations.

Reads the JSON files in volia/registry/reference/ (see docs/reference-data.md) as they are
at the time this migration runs; it imports no application code. Existing rows (by code or
number) are left as they are, so staff edits are never overwritten.
"""

import json
from pathlib import Path

from django.db import migrations

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


def _load(name):
    path = REFERENCE / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def load(apps, schema_editor):
    Article = apps.get_model("registry", "CriminalArticle")
    Facility = apps.get_model("registry", "Facility")
    Organization = apps.get_model("registry", "Organization")
    for a in _load("articles.json"):
        Article.objects.get_or_create(number=a["number"], defaults={
            k: a.get(k, "") for k in ("title_be", "title_ru", "title_en")})
    fields = [f.name for f in Facility._meta.get_fields() if f.concrete and f.name not in ("id", "code")]
    for f in _load("facilities.json"):
        Facility.objects.get_or_create(code=f["code"], defaults={k: f.get(k) or "" for k in fields})
    for o in _load("organizations.json"):
        Organization.objects.get_or_create(code=o["code"], defaults={
            k: o.get(k, "") for k in ("name_be", "name_ru", "name_en", "website")})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
