"""The word-level index replaces the trigram index over whole-name terms.

Drops what 0002 made (SQLite: the FTS5 trigram table, its vocabulary table and triggers;
PostgreSQL: the pg_trgm GIN index; the pg_trgm extension itself is left installed) and the
`SearchTerm` rows, then creates the vocabulary (`SearchWord`), its typo keys (`SearchWordKey`)
and the posting lists (`SearchPosting`), and fills them from the stored names.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

# going back to 0002 re-creates its trigram index (over the re-created, empty SearchTerm table)
_0002 = importlib.import_module("volia.search.migrations.0002_trigram_index")
VendorSQL = _0002.VendorSQL


def fill(apps, schema_editor):
    # the index code writes by table name; the tables are those created just above
    from volia.search import index

    if apps.get_model("registry", "PersonName").objects.using(schema_editor.connection.alias).exists():
        index.rebuild()


SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_term_au",
    "DROP TRIGGER IF EXISTS search_term_ad",
    "DROP TRIGGER IF EXISTS search_term_ai",
    "DROP TABLE IF EXISTS search_term_vocab",
    "DROP TABLE IF EXISTS search_term_fts",
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS search_term_trgm"]


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0007_chain_existing_audit_encrypt_notes"),
        ("search", "0002_trigram_index"),
    ]

    operations = [
        VendorSQL("sqlite", SQLITE_DROP, _0002.SQLITE),
        VendorSQL("postgresql", POSTGRES_DROP, _0002.POSTGRES),
        migrations.DeleteModel(name="SearchTerm"),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=60, unique=True)),
                ("people", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [models.Index(fields=["word"], name="search_word_prefix",
                                         opclasses=["varchar_pattern_ops"])],
            },
        ),
        migrations.CreateModel(
            name="SearchWordKey",
            fields=[
                ("pk", models.CompositePrimaryKey("key", "word", blank=True, editable=False, primary_key=True,
                                                  serialize=False)),
                ("key", models.CharField(max_length=60)),
                ("word", models.ForeignKey(db_constraint=False, db_index=False,
                                           on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to="search.searchword")),
            ],
        ),
        migrations.CreateModel(
            name="SearchPosting",
            fields=[
                ("pk", models.CompositePrimaryKey("word", "person", blank=True, editable=False, primary_key=True,
                                                  serialize=False)),
                ("person", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                             related_name="+", to="registry.person")),
                ("word", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                           related_name="+", to="search.searchword")),
            ],
            options={
                "indexes": [models.Index(fields=["person", "word"], name="search_posting_person")],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
