import pytest

from volia.core.scripts import guess_language, script_of


@pytest.mark.parametrize(("text", "script", "lang"), [
    ("Алесь Бяляцкі", "Cyrl", "be"), ("Алесь Беляцкий", "Cyrl", "ru"), ("Ales Bialiatski", "Latn", "und"),
    ("Aleś Bialacki", "Latn", "und"), ("王小明", "Hani", "zh"), ("Сяргей Ўсцінаў", "Cyrl", "be"), ("", "Zyyy", "und"),
])
def test_script_and_language_guess(text, script, lang):
    assert script_of(text) == script and guess_language(text) == lang
