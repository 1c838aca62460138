"""The trigram index over `SearchTerm.term`, in each database's own way.

SQLite: an FTS5 table with the `trigram` tokenizer over the terms (external content: the
terms are stored once, in search_searchterm), kept in step by triggers so that every writer,
including raw bulk inserts, updates it; and an fts5vocab table that gives each trigram's
document frequency (the search reads rare trigrams first).
PostgreSQL: the pg_trgm extension and a GIN trigram index (the `%` similarity operator).
"""

from django.db import migrations


class VendorSQL(migrations.RunSQL):
    """RunSQL that runs only on one database vendor (a no-op elsewhere)."""

    def __init__(self, vendor: str, sql: list[str], reverse_sql: list[str]):
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.vendor} only: trigram index over search terms"


SQLITE = [
    "CREATE VIRTUAL TABLE search_term_fts USING fts5("
    "term, content='search_searchterm', content_rowid='id', tokenize='trigram', detail='none')",
    "CREATE VIRTUAL TABLE search_term_vocab USING fts5vocab('search_term_fts', 'row')",
    "CREATE TRIGGER search_term_ai AFTER INSERT ON search_searchterm BEGIN "
    "INSERT INTO search_term_fts(rowid, term) VALUES (new.id, new.term); END",
    "CREATE TRIGGER search_term_ad AFTER DELETE ON search_searchterm BEGIN "
    "INSERT INTO search_term_fts(search_term_fts, rowid, term) VALUES ('delete', old.id, old.term); END",
    "CREATE TRIGGER search_term_au AFTER UPDATE ON search_searchterm BEGIN "
    "INSERT INTO search_term_fts(search_term_fts, rowid, term) VALUES ('delete', old.id, old.term); "
    "INSERT INTO search_term_fts(rowid, term) VALUES (new.id, new.term); END",
    # rows written before this migration (none in a new database, but keep it exact)
    "INSERT INTO search_term_fts(search_term_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_term_au",
    "DROP TRIGGER IF EXISTS search_term_ad",
    "DROP TRIGGER IF EXISTS search_term_ai",
    "DROP TABLE IF EXISTS search_term_vocab",
    "DROP TABLE IF EXISTS search_term_fts",
]

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX search_term_trgm ON search_searchterm USING gin (term gin_trgm_ops)",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS search_term_trgm"]


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0001_search_terms"),
    ]

    operations = [
        VendorSQL("sqlite", SQLITE, SQLITE_REVERSE),
        VendorSQL("postgresql", POSTGRES, POSTGRES_REVERSE),
    ]
