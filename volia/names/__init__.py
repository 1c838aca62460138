"""Names across scripts: transliteration and match keys. Pure Python; imports no Django."""
