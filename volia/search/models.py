"""The search index: precomputed name keys, one row per (person, name, folded term).

`term` is a folded "skeleton" of a stored name (`volia.names.keys.index_terms`), so that
the Belarusian, Russian and Latin spellings of one name land close together. The rows are
derived data, rebuilt from `PersonName` by `volia.search.index` and never edited by hand.
On top of this table the database keeps a trigram index (see migration 0002): an FTS5
`trigram` table on SQLite, a `pg_trgm` GIN index on PostgreSQL.
"""

from __future__ import annotations

from django.db import models

from volia.registry.models import Person, PersonName


class SearchTerm(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    name = models.ForeignKey(PersonName, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=400)

    class Meta:
        indexes = [
            # exact-prefix lookups for queries shorter than a trigram (PostgreSQL: LIKE 'x%' needs pattern ops)
            models.Index(fields=["term"], name="search_term_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.term} (person #{self.person_id})"
