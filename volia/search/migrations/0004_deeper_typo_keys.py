"""Stored words of 5 and 6 letters get typo keys two deletions deep (they had one), so that a query
word two typos from a short surname finds it (`volia.search.index.max_edits`): the index is
rebuilt from the stored names (`volia search-index rebuild` does the same)."""

from django.db import migrations


def rebuild(apps, schema_editor):
    from volia.search import index

    if apps.get_model("registry", "PersonName").objects.using(schema_editor.connection.alias).exists():
        index.rebuild()


class Migration(migrations.Migration):

    dependencies = [("search", "0003_word_index")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
