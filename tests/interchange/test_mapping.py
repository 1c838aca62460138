"""Foreign spreadsheet layouts → canonical rows (volia.interchange.mapping).

Every input file is generated here; no third-party data is used.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import textwrap
import tracemalloc
from pathlib import Path

import openpyxl
import pytest

from volia.interchange.errors import RowError
from volia.interchange.mapping import CANONICAL_COLUMNS, MappingError, iter_mapped_rows, load_mapping

HEADER = ["ID", "Full name", "Name (Latin)", "Sex", "Arrested", "Kind", "Sentenced", "Term",
          "Regime", "Released", "How released", "Charges", "Comment"]

MAPPING = """
version = 1
title = "Test list"

[file]
empty_values = ["-", "n/a"]
ignore = ["Comment"]

[constants]
source = "Test list 2024"
confidence = "reported"

[person]
key = { column = "ID", prefix = "test-" }
name = "Full name"
name_latn = "Name (Latin)"
sex = { column = "Sex", table = "sex" }

[[events]]
event = "detained"
date = { column = "Arrested", format = "%d.%m.%Y" }

[[events]]
event = "sentenced"
date = { column = "Sentenced", format = "%d.%m.%Y" }
sentence_months = { column = "Term", number = "months" }
sentence_kind = { column = "Regime", table = "regime" }
articles = { column = "Charges", split = ",", regex = '(\\d+(?:-\\d+)?)' }

[[events]]
event = "released"
date = { column = "Released", formats = ["%d.%m.%Y", "%Y/%m/%d"] }
release_kind = { column = "How released", table = "release", default = "other" }

[tables.sex]
strict = true
[tables.sex.values]
"м / male" = "m"
"ж / female" = "f"

[tables.regime]
strict = true
[tables.regime.values]
"general" = "colony_general"
"enhanced" = "colony_enhanced"

[tables.release]
default = "other"
[tables.release.values]
"pardoned" = "pardon"
"end of term" = "sentence_served"
"""


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, **kw: str) -> Path:
    with path.open("w", encoding=kw.get("encoding", "utf-8"), newline="") as f:
        w = csv.writer(f, delimiter=kw.get("delimiter", ","))
        w.writerow(header)
        w.writerows(rows)
    return path


def write_mapping(tmp_path: Path, text: str, name: str = "m.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def row(**kw: str) -> list[str]:
    """A source row by header name; unnamed cells are empty."""
    return [kw.get(h.replace(" ", "_").replace("(", "").replace(")", ""), "") for h in HEADER]


def run(tmp_path: Path, rows: list[list[str]], mapping: str = MAPPING,
        header: list[str] = HEADER) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    m = load_mapping(write_mapping(tmp_path, mapping))
    errors: list[RowError] = []
    out = list(iter_mapped_rows(write_csv(tmp_path / "list.csv", rows, header), m, errors))
    return out, errors


# --- rows and events --------------------------------------------------------------------


def test_one_row_gives_detained_sentenced_released(tmp_path: Path) -> None:
    rows, errors = run(tmp_path, [row(ID="17", Full_name="Алесь Тэст", Name_Latin="Ales Test",
                                      Sex="м / male", Arrested="14.07.2021", Sentenced="03.03.2023",
                                      Term="10 years", Regime="Enhanced", Released="11.09.2025",
                                      How_released="pardoned", Charges="342 ч.1, 361-1",
                                      Comment="ignored")])
    assert errors == []
    assert [n for n, _ in rows] == [2, 2, 2]
    detained, sentenced, released = (r for _, r in rows)
    assert detained == {"person": "test-17", "name": "Алесь Тэст", "name_latn": "Ales Test", "sex": "m",
                        "event": "detained", "date": "2021-07-14", "source": "Test list 2024",
                        "confidence": "reported"}
    # person details ride on the first event only
    assert sentenced == {"person": "test-17", "name": "", "event": "sentenced", "date": "2023-03-03",
                         "sentence_months": "120", "sentence_kind": "colony_enhanced",
                         "articles": "342;361-1", "source": "Test list 2024", "confidence": "reported"}
    assert released["event"] == "released"
    assert released["date"] == "2025-09-11"
    assert released["release_kind"] == "pardon"


def test_only_filled_dates_make_events_and_row_numbers_skip_blank_rows(tmp_path: Path) -> None:
    rows, errors = run(tmp_path, [
        row(ID="1", Full_name="A", Arrested="01.02.2021"),
        [""] * len(HEADER),  # a blank line is layout, not data (but it is still row 3)
        row(ID="2", Full_name="B", Arrested="2021", Released="2022/05/xx", How_released="somehow"),
    ])
    assert errors == []
    assert [(n, r["person"], r["event"], r["date"]) for n, r in rows] == [
        (2, "test-1", "detained", "2021-02-01"),
        (4, "test-2", "detained", "2021"),
        (4, "test-2", "released", "2022-05"),
    ]
    assert rows[2][1]["release_kind"] == "other"  # table default for an unlisted value


def test_empty_values_count_as_empty(tmp_path: Path) -> None:
    rows, errors = run(tmp_path, [row(ID="1", Full_name="A", Arrested="01.02.2021", Released="-",
                                      Sentenced="N/A")])
    assert errors == []
    assert [r["event"] for _, r in rows] == ["detained"]


def test_a_row_without_any_event_is_an_error_unless_allowed(tmp_path: Path) -> None:
    rows, errors = run(tmp_path, [row(ID="1", Full_name="A")])
    assert rows == []
    assert [(e.row, e.column) for e in errors] == [(2, "Arrested")]
    assert "no event" in errors[0].reason

    rows, errors = run(tmp_path, [row(ID="1", Full_name="A")],
                       MAPPING.replace('ignore = ["Comment"]',
                                       'ignore = ["Comment"]\nrows_without_events = "skip"'))
    assert rows == [] and errors == []


def test_missing_person_key(tmp_path: Path) -> None:
    rows, errors = run(tmp_path, [row(Full_name="A", Arrested="01.02.2021")])
    assert rows == []
    assert (errors[0].row, errors[0].column, errors[0].reason) == (2, "ID", "no person key")


# --- translation tables -----------------------------------------------------------------


def test_table_matching_ignores_case_and_spacing(tmp_path: Path) -> None:
    rows, errors = run(tmp_path, [row(ID="1", Full_name="A", Sex="  Ж  /   FEMALE ", Arrested="01.02.2021")])
    assert errors == []
    assert rows[0][1]["sex"] == "f"


def test_strict_table_rejects_unknown_value_with_source_column(tmp_path: Path) -> None:
    rows, errors = run(tmp_path, [
        row(ID="1", Full_name="A", Sex="unknown", Arrested="01.02.2021"),
        row(ID="2", Full_name="B", Arrested="01.02.2021", Sentenced="01.01.2022", Regime="strict-ish",
            Term="2 years"),
        row(ID="3", Full_name="C", Arrested="01.02.2021"),
    ])
    assert [n for n, _ in rows] == [4]  # bad rows yield nothing; the good one still comes
    assert [(e.row, e.column, e.value) for e in errors] == [(2, "Sex", "unknown"), (3, "Regime", "strict-ish")]
    assert "not in table 'sex'" in errors[0].reason
    assert str(errors[0]).startswith(f"{tmp_path / 'list.csv'}:2: Sex='unknown': ")


def test_lenient_table_passes_unknown_values_through_and_they_are_checked(tmp_path: Path) -> None:
    mapping = MAPPING.replace('[tables.release]\ndefault = "other"\n', "[tables.release]\n")
    rows, errors = run(tmp_path, [
        row(ID="1", Full_name="A", Arrested="01.02.2021", Released="01.02.2022", How_released="amnesty"),
        row(ID="2", Full_name="B", Arrested="01.02.2021", Released="01.02.2022", How_released="escaped"),
    ], mapping)
    assert [r.get("release_kind") for _, r in rows] == [None, "amnesty"]
    assert [(e.row, e.column, e.value) for e in errors] == [(3, "How released", "escaped")]
    assert "not a valid release_kind code" in errors[0].reason


def test_event_code_from_a_translated_column_and_guarded_details(tmp_path: Path) -> None:
    mapping = """
    [person]
    key = "ID"
    name = "Full name"

    [[events]]
    event = { column = "Kind", table = "kinds", default = "detained" }
    date = { column = "Arrested", format = "%d.%m.%Y" }
    days = { column = "Term", number = "days", when = { Kind = "adm" } }

    [[events]]
    event = "released"
    date = { column = "Released", format = "%d.%m.%Y" }
    release_kind = [
      { when = { Kind = "adm", "How released" = ["", "out"] }, value = "sentence_served" },
      { column = "How released", table = "rk", default = "other" },
    ]

    [tables.kinds.values]
    "adm" = "admin_detention"
    "crim" = "detained"

    [tables.rk.values]
    "bail" = "noncustodial"
    """
    rows, errors = run(tmp_path, [
        row(ID="1", Full_name="A", Kind="adm", Arrested="01.02.2021", Term="十五天/ 15 days",
            Released="16.02.2021"),
        row(ID="2", Full_name="B", Kind="crim", Arrested="01.02.2021", Term="30 days",
            Released="03.03.2021", How_released="bail"),
        row(ID="3", Full_name="C", Arrested="01.02.2021", Released="03.03.2021"),
    ], mapping)
    assert errors == []
    got = [(r["person"], r["event"], r.get("days"), r.get("release_kind")) for _, r in rows]
    assert got == [("1", "admin_detention", "15", None), ("1", "released", None, "sentence_served"),
                   ("2", "detained", None, None), ("2", "released", None, "noncustodial"),
                   ("3", "detained", None, None), ("3", "released", None, "other")]


def test_detail_the_event_type_does_not_take_is_a_row_error(tmp_path: Path) -> None:
    mapping = """
    [person]
    key = "ID"
    [[events]]
    event = { column = "Kind", table = "kinds" }
    date = "Arrested"
    days = { column = "Term", number = "days" }
    [tables.kinds.values]
    "adm" = "admin_detention"
    "crim" = "detained"
    """
    rows, errors = run(tmp_path, [row(ID="1", Kind="adm", Arrested="2021-02-01", Term="5 days"),
                                  row(ID="2", Kind="crim", Arrested="2021-02-01", Term="5 days")], mapping)
    assert [r["event"] for _, r in rows] == ["admin_detention"]
    assert [(e.row, e.column, e.value) for e in errors] == [(3, "Term", "5 days")]
    assert "'detained' does not take days" in errors[0].reason


def test_conditions_when_and_unless(tmp_path: Path) -> None:
    mapping = """
    [person]
    key = "ID"
    [[events]]
    event = "admin_detention"
    when = { Kind = { matches = "^adm" } }
    date = "Arrested"
    [[events]]
    event = "detained"
    unless = { Kind = { matches = "^adm" } }
    date = "Arrested"
    note = { columns = ["Kind", "Comment"], join = " | " }
    """
    rows, errors = run(tmp_path, [row(ID="1", Kind="administrative", Arrested="2021-02-01"),
                                  row(ID="2", Kind="criminal", Arrested="2021-02-01", Comment="x"),
                                  row(ID="3", Arrested="2021-02-01")], mapping)
    assert errors == []
    assert [(r["event"], r.get("note")) for _, r in rows] == [
        ("admin_detention", None), ("detained", "criminal | x"), ("detained", None)]


def test_required_event_without_date_is_an_error(tmp_path: Path) -> None:
    mapping = MAPPING.replace('release_kind = { column = "How released"',
                              'required = { "How released" = ["pardoned", "end of term"] }\n'
                              'release_kind = { column = "How released"')
    rows, errors = run(tmp_path, [row(ID="1", Full_name="A", Arrested="01.02.2021", How_released="pardoned"),
                                  row(ID="2", Full_name="B", Arrested="01.02.2021")], mapping)
    assert [n for n, _ in rows] == [3]
    assert [(e.row, e.column, e.value) for e in errors] == [(2, "Released", "")]
    assert "required when How released='pardoned'" in errors[0].reason


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "text", "expected"), [
    ("%Y.%m.%d", "2014.12.17", "2014-12-17"),
    ("%Y.%m.%d", "2014.12", "2014-12"),
    ("%Y.%m.%d", "2014", "2014"),
    ("%Y/%m/%d", "1989/mm/dd", "1989"),
    ("%Y/%m/%d", "1989/06/dd", "1989-06"),
    ("%Y-%m-%d", "1989-??-??", "1989"),
    ("%Y-%m-%d", "1989-00-00", "1989"),
    ("%d/%m/%Y", "5/3/2021", "2021-03-05"),
    ("%d/%m/%Y", "03/2021", "2021-03"),
    ("%d/%m/%Y", "xx/xx/2021", "2021"),
    ("%d %B %Y", "5 March 2021", "2021-03-05"),
    ("%d %B %Y", "Sept. 2021", "2021-09"),
    ("%d.%m.%Y", "2021-03-05", "2021-03-05"),  # an ISO date (an Excel date cell) is always read
])
def test_partial_date_formats(tmp_path: Path, fmt: str, text: str, expected: str) -> None:
    mapping = f"""
    [person]
    key = "ID"
    [[events]]
    event = "detained"
    date = {{ column = "Arrested", format = "{fmt}" }}
    """
    rows, errors = run(tmp_path, [row(ID="1", Arrested=text)], mapping)
    assert errors == []
    assert rows[0][1]["date"] == expected


def test_impossible_and_malformed_dates_are_row_errors(tmp_path: Path) -> None:
    rows, errors = run(tmp_path, [
        row(ID="1", Full_name="A", Arrested="01.02.2021"),
        row(ID="2", Full_name="B", Arrested="30.02.2025"),
        row(ID="3", Full_name="C", Arrested="01.02.2021", Released="2025/13/01"),
        row(ID="4", Full_name="D", Arrested="yesterday"),
        row(ID="5", Full_name="E", Arrested="01.02.2021"),
    ])
    assert [n for n, _ in rows] == [2, 6]
    assert [(e.row, e.column, e.value) for e in errors] == [
        (3, "Arrested", "30.02.2025"), (4, "Released", "2025/13/01"), (5, "Arrested", "yesterday")]
    assert "2025-02 has 28 days" in errors[0].reason
    assert "impossible month 13" in errors[1].reason
    assert "not a date in the format %d.%m.%Y" in errors[2].reason


def test_every_problem_of_a_row_is_reported(tmp_path: Path) -> None:
    rows, errors = run(tmp_path, [row(ID="1", Sex="?", Arrested="31.04.2021", Sentenced="01.01.2022",
                                      Term="life", Regime="general")])
    assert rows == []
    assert [e.column for e in errors] == ["Sex", "Arrested", "Term"]


def test_birth_date_and_region_with_fixed_values(tmp_path: Path) -> None:
    mapping = """
    [person]
    key = "ID"
    name = "Full name"
    name_lang = { value = "be" }
    birth_date = { column = "Comment", format = "%Y" }
    region = { value = "grodno" }
    [[events]]
    event = "detained"
    date = "Arrested"
    """
    rows, errors = run(tmp_path, [row(ID="1", Full_name="Алесь", Comment="1962", Arrested="2021-02")],
                       mapping)
    assert errors == []
    assert rows[0][1] == {"person": "1", "name": "Алесь", "name_lang": "be", "birth_date": "1962",
                               "region": "grodno", "event": "detained", "date": "2021-02"}


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "unit", "expected"), [
    ("十天10 days", "days", "10"),
    ("三十七天/ 37 days", "days", "37"),
    ("2 weeks", "days", "14"),
    ("15 суток", "days", "15"),
    ("10 суток (10 days)", "days", "10"),
    ("3 years", "months", "36"),
    ("一年半/ 1.5 years", "months", "18"),
    ("2 years 6 months", "months", "30"),
    ("1 год 6 месяцев", "months", "18"),
    ("5 лет", "months", "60"),
    ("18", "months", "18"),
])
def test_number_extraction(tmp_path: Path, text: str, unit: str, expected: str) -> None:
    event, column = ("admin_detention", "days") if unit == "days" else ("sentenced", "sentence_months")
    extra = 'sentence_kind = { value = "colony_general" }' if event == "sentenced" else ""
    mapping = f"""
    [person]
    key = "ID"
    [[events]]
    event = "{event}"
    date = "Arrested"
    {column} = {{ column = "Term", number = "{unit}" }}
    {extra}
    """
    rows, errors = run(tmp_path, [row(ID="1", Arrested="2021", Term=text)], mapping)
    assert errors == []
    assert rows[0][1][column] == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("8 months", "cannot be expressed exactly in days"),
    ("life", "no length in days found"),
    ("10 days / 12 days", "two different quantities"),
])
def test_number_extraction_errors(tmp_path: Path, text: str, reason: str) -> None:
    mapping = """
    [person]
    key = "ID"
    [[events]]
    event = "admin_detention"
    date = "Arrested"
    days = { column = "Term", number = true }
    """
    rows, errors = run(tmp_path, [row(ID="1", Arrested="2021", Term=text)], mapping)
    assert rows == []
    assert (errors[0].column, errors[0].value) == ("Term", text)
    assert reason in errors[0].reason


def test_number_with_regex_and_unit(tmp_path: Path) -> None:
    mapping = """
    [person]
    key = "ID"
    [[events]]
    event = "sentenced"
    date = "Arrested"
    sentence_kind = { value = "colony_general" }
    sentence_months = { column = "Term", number = "months", regex = 'Y=(\\d+)', unit = "years" }
    """
    rows, errors = run(tmp_path, [row(ID="1", Arrested="2021", Term="M=3;Y=2"),
                                  row(ID="2", Arrested="2021", Term="M=3")], mapping)
    assert [r["sentence_months"] for _, r in rows] == ["24"]
    assert [(e.row, e.column, e.value) for e in errors] == [(3, "Term", "M=3")]
    assert "does not match the regex" in errors[0].reason


def test_plain_numeric_column_without_extraction_must_be_whole(tmp_path: Path) -> None:
    mapping = """
    [person]
    key = "ID"
    [[events]]
    event = "admin_detention"
    date = "Arrested"
    days = "Term"
    """
    rows, errors = run(tmp_path, [row(ID="1", Arrested="2021", Term="10"),
                                  row(ID="2", Arrested="2021", Term="10 days")], mapping)
    assert [r["days"] for _, r in rows] == ["10"]
    assert "use number = true" in errors[0].reason


# --- file options -----------------------------------------------------------------------


def test_key_prefix_and_fixed_values_for_the_file(tmp_path: Path) -> None:
    rows, _ = run(tmp_path, [row(ID="0042", Full_name="A", Arrested="01.02.2021")])
    r = rows[0][1]
    assert r["person"] == "test-0042"
    assert (r["source"], r["confidence"]) == ("Test list 2024", "reported")


def test_constants_fill_only_empty_cells(tmp_path: Path) -> None:
    mapping = MAPPING.replace('date = { column = "Arrested", format = "%d.%m.%Y" }',
                              'date = { column = "Arrested", format = "%d.%m.%Y" }\nsource = "Comment"')
    mapping = mapping.replace('ignore = ["Comment"]', "")
    rows, errors = run(tmp_path, [row(ID="1", Full_name="A", Arrested="01.02.2021", Comment="Court verdict"),
                                  row(ID="2", Full_name="B", Arrested="01.02.2021")], mapping)
    assert errors == []
    assert [r["source"] for _, r in rows] == ["Court verdict", "Test list 2024"]


def test_csv_encoding_delimiter_and_header_row(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    with path.open("w", encoding="cp1251", newline="") as f:
        f.write("Спіс палітвязняў\r\n\r\n")  # a title above the header
        w = csv.writer(f, delimiter=";")
        w.writerow(["Нумар", "Імя", "Затрыманы"])
        w.writerow(["7", "Алесь", "14.07.2021"])
    mapping = write_mapping(tmp_path, """
    [file]
    encoding = "cp1251"
    delimiter = ";"
    header_row = 3
    [person]
    key = "Нумар"
    name = "Імя"
    [[events]]
    event = "detained"
    date = { column = "Затрыманы", format = "%d.%m.%Y" }
    """)
    errors: list[RowError] = []
    rows = list(iter_mapped_rows(path, load_mapping(mapping), errors))
    assert errors == []
    assert rows == [(4, {"person": "7", "name": "Алесь", "event": "detained", "date": "2021-07-14"})]


def test_shifted_row_with_extra_cells_is_an_error(tmp_path: Path) -> None:
    rows, errors = run(tmp_path, [[*row(ID="1", Full_name="A", Arrested="01.02.2021"), "stray"]])
    assert rows == []
    assert (errors[0].row, errors[0].value) == (2, "stray")


def test_xlsx_sheet_choice_and_excel_dates(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "Notes"
    first.append(["nothing here"])
    ws = wb.create_sheet("People")
    ws.append(["ID", "Name", "Arrested", "Released", "Term"])
    ws.append([101, "Алесь", dt.datetime(2021, 7, 14), "2022.05", 15.0])
    ws.append([None, None, None, None, None])
    ws.append([102, "Марыя", "2021.xx.xx", dt.date(2023, 2, 30 - 2), None])
    ws.append([103, "Bad", "2021.02.29", None, None])
    wb.save(path)
    mapping = write_mapping(tmp_path, """
    [file]
    sheet = "People"
    [person]
    key = { column = "ID", prefix = "x-" }
    name = "Name"
    [[events]]
    event = "admin_detention"
    date = { column = "Arrested", format = "%Y.%m.%d" }
    days = { column = "Term", number = "days" }
    [[events]]
    event = "released"
    date = { column = "Released", format = "%Y.%m.%d" }
    release_kind = { value = "sentence_served" }
    """)
    errors: list[RowError] = []
    rows = list(iter_mapped_rows(path, load_mapping(mapping), errors))
    assert [(n, r["person"], r["event"], r["date"], r.get("days")) for n, r in rows] == [
        (2, "x-101", "admin_detention", "2021-07-14", "15"),
        (2, "x-101", "released", "2022-05", None),
        (4, "x-102", "admin_detention", "2021", None),
        (4, "x-102", "released", "2023-02-28", None),
    ]
    assert [(e.row, e.column, e.value) for e in errors] == [(5, "Arrested", "2021.02.29")]


def test_xlsx_default_sheet_is_the_first(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["ID", "Arrested"])
    ws.append(["1", "2020-01-02"])
    wb.create_sheet("Other").append(["x"])
    wb.save(path)
    mapping = write_mapping(tmp_path, """
    [person]
    key = "ID"
    [[events]]
    event = "detained"
    date = "Arrested"
    """)
    assert [r["date"] for _, r in iter_mapped_rows(path, load_mapping(mapping), [])] == ["2020-01-02"]

    bad = write_mapping(tmp_path, '[file]\nsheet = "Nope"\n[person]\nkey = "ID"\n'
                        '[[events]]\nevent = "detained"\ndate = "Arrested"\n', "bad.toml")
    with pytest.raises(MappingError, match=r"no sheet 'Nope'.*Sheet, Other"):
        list(iter_mapped_rows(path, load_mapping(bad), []))


# --- streaming --------------------------------------------------------------------------


def _growth_while_iterating(path: Path, mapping_path: Path, rows: int,
                            trace_bytes: bool = True) -> tuple[int, int]:
    """(objects, bytes) in use at the last of `rows` rows, minus those in use a quarter of the way.

    Measured while the file is still open, so anything kept per row shows up.
    """
    m = load_mapping(mapping_path)
    errors: list[RowError] = []
    count = 0
    objects = [0, 0]
    traced = [0, 0]
    if trace_bytes:
        tracemalloc.start()
    try:
        for _ in iter_mapped_rows(path, m, errors):
            count += 1
            if count in (rows // 4, rows):
                i = 0 if count < rows else 1
                gc.collect()
                objects[i] = len(gc.get_objects())
                traced[i] = tracemalloc.get_traced_memory()[0] if trace_bytes else 0
    finally:
        tracemalloc.stop()
    assert errors == []
    assert count == rows
    return objects[1] - objects[0], traced[1] - traced[0]


def test_streaming_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "big.csv", [
        row(ID=str(i), Full_name=f"Person {i}", Sex="м / male", Arrested="01.02.2021",
            Released="01.03.2021", How_released="end of term") for i in range(3_000)])
    objects, size = _growth_while_iterating(path, write_mapping(tmp_path, MAPPING), 6_000)
    # keeping one object, or even 10 bytes, per row would exceed these
    assert objects < 100
    assert size < 30_000


def test_xlsx_is_streamed_too(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["ID", "Note", "Arrested"])
    for i in range(3_000):
        ws.append([i, f"Note {i}", "2021-02-01"])
    wb.save(path)
    mapping = write_mapping(tmp_path, '[person]\nkey = "ID"\n[[events]]\nevent = "detained"\ndate = "Arrested"\n')
    objects, _ = _growth_while_iterating(path, mapping, 3_000, trace_bytes=False)
    # openpyxl's own iter_rows keeps a cleared XML element per row, which would exceed this
    # (bytes are not compared: the zip and XML parser buffers swing by a few hundred kB)
    assert objects < 100


def test_rows_come_before_the_file_is_read_to_the_end(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", [row(ID="1", Arrested="01.02.2021")])
    it = iter_mapped_rows(path, load_mapping(write_mapping(tmp_path, MAPPING)), [])
    assert next(it)[1]["person"] == "test-1"


# --- mapping errors ---------------------------------------------------------------------


def test_column_missing_from_header_names_it_and_lists_the_header(tmp_path: Path) -> None:
    m = load_mapping(write_mapping(tmp_path, MAPPING.replace('"How released"', '"How Released"')))
    path = write_csv(tmp_path / "list.csv", [row(ID="1")])
    with pytest.raises(MappingError) as e:
        list(iter_mapped_rows(path, m, []))
    msg = str(e.value)
    assert "'How Released'" in msg
    assert "the header is: 'ID', 'Full name'" in msg and "'How released'" in msg


@pytest.mark.parametrize(("text", "key", "why"), [
    ("[person]\nkey='ID'\n[[events]]\nevent='detaind'\ndate='D'\n", "events[1].event", "not a valid event code"),
    ("[person]\nkey='ID'\n[[events]]\nevent='detained'\ndate='D'\ndays='T'\n", "events[1].days",
     "does not take days"),
    ("[person]\nkey='ID'\n[[events]]\nevent='released'\ndate='D'\n", "events[1]", "needs release_kind"),
    ("[person]\nkey='ID'\n[[events]]\nevent='detained'\n", "events[1].date", "missing"),
    ("[person]\nkey='ID'\n", "events", "missing"),
    ("[[events]]\nevent='detained'\ndate='D'\n", "person", "missing"),
    ("[person]\nkey='ID'\nsex={column='S', table='gender'}\n[[events]]\nevent='detained'\ndate='D'\n",
     "person.sex.table", "table 'gender' is not defined"),
    ("[person]\nkey='ID'\nsex={column='S', table='s'}\n[[events]]\nevent='detained'\ndate='D'\n"
     "[tables.s.values]\nmale='male'\n", "person.sex", "'male' is not a valid sex code"),
    ("[person]\nkey='ID'\n[[events]]\nevent='detained'\ndate={column='D', format='%d.%q.%Y'}\n",
     "events[1].date.format", "%q is not supported"),
    ("[person]\nkey='ID'\n[[events]]\nevent='detained'\ndate='D'\nnote={column='N', regex='('}\n",
     "events[1].note.regex", "not a valid regular expression"),
    ("[person]\nkey='ID'\nnmae='N'\n[[events]]\nevent='detained'\ndate='D'\n", "person.nmae", "unknown key"),
    ("[file]\nignore=['D']\n[person]\nkey='ID'\n[[events]]\nevent='detained'\ndate='D'\n", "file.ignore",
     "which the mapping uses"),
    ("[constants]\nconfidence='sure'\n[person]\nkey='ID'\n[[events]]\nevent='detained'\ndate='D'\n",
     "constants.confidence", "not a valid confidence code"),
    ("[constants]\nrelease_kind='pardon'\n[person]\nkey='ID'\n[[events]]\nevent='detained'\ndate='D'\n",
     "constants.release_kind", "unknown key"),
    ("[person]\nkey='ID'\n[[events]]\nevent='detained'\ndate={column='D', value='2020'}\n", "events[1].date",
     "exactly one of column, columns or value"),
    ("[tables.s]\nstrict=true\ndefault='x'\nvalues={a='m'}\n[person]\nkey='ID'\n[[events]]\n"
     "event='detained'\ndate='D'\n", "tables.s", "exclude each other"),
    ("[person]\nkey='ID'\n[[events]]\nevent='detained'\ndate='D'\nwhen={K={like='x'}}\n",
     "events[1].when.K.like", "unknown key"),
])
def test_mapping_errors_name_the_key(tmp_path: Path, text: str, key: str, why: str) -> None:
    with pytest.raises(MappingError) as e:
        load_mapping(write_mapping(tmp_path, text))
    assert f": {key}: " in str(e.value)
    assert why in str(e.value)


def test_invalid_toml_is_a_mapping_error(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="not valid TOML"):
        load_mapping(write_mapping(tmp_path, "[person\nkey = 'ID'\n"))


ROOT = Path(__file__).resolve().parents[2]


def test_example_mappings_load() -> None:
    root = ROOT / "examples" / "mappings"
    for path in sorted(root.glob("*.toml")):
        m = load_mapping(path)
        assert m.events, path


def test_the_worked_example_in_the_docs_is_true(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")

    def block(marker: str) -> str:
        after = doc.split(f"<!-- example:{marker} -->", 1)[1]
        return after.split("```", 2)[1].split("\n", 1)[1]

    source = tmp_path / "list.csv"
    source.write_text(block("input"), encoding="utf-8")
    mapping = load_mapping(write_mapping(tmp_path, block("mapping")))
    errors: list[RowError] = []
    rows = [r for _, r in iter_mapped_rows(source, mapping, errors)]
    out = io.StringIO()
    columns = [c for c in CANONICAL_COLUMNS if any(c in r for r in rows)]
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    assert out.getvalue() == block("output")
    assert [str(e).replace(str(tmp_path) + "/", "") for e in errors] == [
        "list.csv:4: Приговор='31.02.2023': impossible date '31.02.2023': 2023-02 has 28 days"]
