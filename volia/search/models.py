"""The search index: a vocabulary of folded name words, their typo keys and their posting lists.

Every stored name is folded into lower-case Latin skeleton words (`volia.names.keys.index_terms`:
the Belarusian, Russian and Latin spellings of one name give the same words). The index holds

- `SearchWord`: each distinct word once, with the number of current people holding it
  (`people`, the word's document frequency: rare words select, common ones only score);
- `SearchWordKey`: the word's symmetric-delete keys (the word with up to one or two letters
  removed, `volia.search.index.deletion_keys`): a query word finds the vocabulary words within
  one or two edits of it by equality on these keys, through a B-tree;
- `SearchPosting`: which people hold which word (one row per person and word).

The rows are derived data, rebuilt from `PersonName` by `volia.search.index` and never edited
by hand. Words are never deleted when a name changes (their `people` drops, to 0 at worst);
`volia search-index rebuild` starts the vocabulary afresh.
"""

from __future__ import annotations

from django.db import models

from volia.registry.models import Person

MAX_WORD = 60  # characters of a folded word that are indexed (no name word is longer)


class SearchWord(models.Model):
    word = models.CharField(max_length=MAX_WORD, unique=True)
    people = models.IntegerField(default=0)  # current people holding this word

    class Meta:
        indexes = [
            # prefix lookups (PostgreSQL: LIKE 'x%' needs pattern ops; SQLite uses the unique index)
            models.Index(fields=["word"], name="search_word_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.word} ({self.people} people)"


class SearchWordKey(models.Model):
    pk = models.CompositePrimaryKey("key", "word")
    key = models.CharField(max_length=MAX_WORD)
    # the primary key (key, word) is the lookup index; no constraint: the keys are written and
    # dropped with their word by volia.search.index (millions of rows, checked for nothing)
    word = models.ForeignKey(SearchWord, on_delete=models.CASCADE, related_name="+", db_index=False,
                             db_constraint=False)

    def __str__(self) -> str:
        return f"{self.key} -> word #{self.word_id}"


class SearchPosting(models.Model):
    pk = models.CompositePrimaryKey("word", "person")  # the posting lists, in person order
    word = models.ForeignKey(SearchWord, on_delete=models.CASCADE, related_name="+", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        indexes = [models.Index(fields=["person", "word"], name="search_posting_person")]

    def __str__(self) -> str:
        return f"word #{self.word_id} in person #{self.person_id}"
