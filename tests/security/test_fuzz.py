"""Fuzzing the parsers that read untrusted input: rows of an import file, partial dates, names.

Arbitrary text must either parse or give a clear error that names the problem; it must never
raise anything else.
"""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import example, given, settings
from hypothesis import strategies as st

from volia.core.dates import PartialDate, PartialDateError
from volia.interchange.canonical import COLUMNS, iter_csv, parse_row
from volia.names import keys, translit

TODAY = dt.date(2026, 11, 22)
cell = st.one_of(st.text(max_size=40), st.sampled_from(["", "2021", "2021-02-30", "0000-01-01", "9999-12-31",
                                                      "detained", "released", "342:1;361-1", "-5", "1e9",
                                                      "public", "restricted", "ru", "be"]))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(list(COLUMNS)), cell, max_size=12))
def test_parse_row_gives_a_row_or_named_errors(row):
    parsed, errors = parse_row("fuzz.csv", 2, row, TODAY)
    if parsed is None:
        assert errors, "a row that was refused must say why"
    for e in errors:
        assert e.file == "fuzz.csv" and e.row == 2 and e.column and str(e)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
@example(b"person,event,date\np1,detained,2021\na\rb,detained,2021\n")  # a bare CR once raised csv.Error
def test_csv_reader_never_raises_on_arbitrary_bytes(data):
    errors: list = []
    for _num, row in iter_csv(io.BytesIO(data), "fuzz.csv", errors):
        assert isinstance(row, dict)
    for e in errors:
        assert e.file == "fuzz.csv" and str(e)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=20), st.from_regex(r"\A-?\d{0,5}(-\d{0,3}){0,3}\Z")))
def test_partial_date_parses_or_says_why(text):
    try:
        d = PartialDate.parse(text)
    except PartialDateError as e:
        assert str(e)
    else:
        assert d.earliest <= d.latest


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_name_functions_accept_any_text(a, b):
    assert isinstance(keys.fold(a), str)
    assert all(isinstance(t, str) for t in keys.index_terms(a))
    assert all(isinstance(t, str) for t in keys.query_terms(a))
    assert 0.0 <= keys.name_similarity(a, b) <= 1.0
    assert isinstance(keys.blocking_keys(a), set)
    for system in translit.SYSTEMS:
        assert isinstance(translit.transliterate(a, system), str)


def test_a_broken_csv_record_is_a_named_error():
    errors: list = []
    rows = list(iter_csv(io.BytesIO(b"person,event,date\np1,detained,2021\na\rb,detained,2021\n"), "f.csv", errors))
    assert [n for n, _ in rows] == [2]
    assert [(e.file, e.row) for e in errors] == [("f.csv", 3)] and "not a valid CSV" in errors[0].reason
