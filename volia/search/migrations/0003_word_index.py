"""The word-level index replaces the trigram index over whole-name terms.

Drops what 0002 made (SQLite: the FTS5 trigram table, its vocabulary table and triggers;
PostgreSQL: the pg_trgm GIN index; the pg_trgm extension itself is left installed) and the
`SearchTerm` rows, then creates the vocabulary (`SearchWord`), its typo keys (`SearchWordKey`)
and the posting lists (`SearchPosting`), and fills them from the stored names.
"""

import django.db.models.deletion
from django.db import migrations, models



class VendorSQL(migrations.RunSQL):
    """RunSQL that runs only on one database vendor (a no-op elsewhere)."""

    def __init__(self, vendor: str, sql: list[str]):
        super().__init__(sql, migrations.RunSQL.noop)
        self.vendor = vendor

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.vendor} only: drop the trigram index over search terms"


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
        VendorSQL("sqlite", SQLITE_DROP),
        VendorSQL("postgresql", POSTGRES_DROP),
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
