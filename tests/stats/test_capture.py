"""Reading capture tables: bad files are rejected naming file, row, column and value."""

from __future__ import annotations

import pytest

from volia.stats.capture import CaptureTable, CaptureTableError, format_capture_table, read_capture_table


def read(tmp_path, text: str, name: str = "lists.tsv") -> CaptureTable:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_capture_table(path)


def errors(tmp_path, text: str) -> list[str]:
    with pytest.raises(CaptureTableError) as exc:
        read(tmp_path, text)
    return [str(e) for e in exc.value.errors]


def test_reads_tsv_with_comments_and_missing_patterns(tmp_path):
    t = read(tmp_path, "# source: test\nA\tB\tC\tcount\n1\t0\t0\t10\n0\t1\t0\t5\n1\t1\t0\t3\n\n0\t0\t1\t0\n")
    assert t.lists == ("A", "B", "C")
    assert t.observed == 18
    assert t.list_sizes() == {"A": 13, "B": 8, "C": 0}
    assert t.overlap(0, 1) == 3
    assert read_capture_table_roundtrip(tmp_path, t) == t


def read_capture_table_roundtrip(tmp_path, t: CaptureTable) -> CaptureTable:
    return read(tmp_path, format_capture_table(t), "again.tsv")


def test_reads_csv_and_count_column_anywhere(tmp_path):
    t = read(tmp_path, "count,viasna,baj\n7,1,1\n20,1,0\n4,0,1\n", "lists.csv")
    assert t.lists == ("viasna", "baj") and t.counts == (0, 20, 4, 7)


@pytest.mark.parametrize(("text", "expected"), [
    ("A\tB\tcount\n1\t0\t10\n0\t2\t5\n", "lists.tsv:3: B='2': expected 0 or 1"),
    ("A\tB\tcount\n1\t0\tten\n", "lists.tsv:2: count='ten': expected a whole number"),
    ("A\tB\tcount\n1\t0\t-3\n", "lists.tsv:2: count='-3': expected a whole number"),
    ("A\tB\tcount\n1\t0\t2.5\n", "lists.tsv:2: count='2.5': expected a whole number"),
    ("A\tB\tcount\n1\t0\n", "lists.tsv:2: fields='1\\t0': 2 fields where the header has 3"),
    ("A\tB\tcount\n1\t0\t4\n1\t0\t5\n", "lists.tsv:3: pattern='A=1 B=0': this combination of lists is given already"),
    ("A\tB\tcount\n0\t0\t4\n", "lists.tsv:2: count='4': a row on no list cannot be observed"),
    ("A\tB\tn\n1\t0\t4\n", "lists.tsv:1: header='A\\tB\\tn': no `count` column"),
    ("A\tcount\n1\t4\n", "lists.tsv:1: header='A\\tcount': at least two list columns are needed"),
    ("A\tA\tcount\n1\t0\t4\n", "lists.tsv:1: A='A': two columns have this name"),
    ("A\tB\tcount\n1\t0\t0\n", "lists.tsv: nobody is on any list"),
    ("", "lists.tsv: the file is empty"),
])
def test_bad_files_name_row_column_and_value(tmp_path, text, expected):
    assert any(e.startswith(expected) for e in errors(tmp_path, text)), errors(tmp_path, text)


def test_every_bad_cell_is_reported(tmp_path):
    found = errors(tmp_path, "A\tB\tcount\nx\t0\t1\n1\ty\t1\n1\t1\tz\n")
    assert len(found) == 3


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.tsv"
    path.write_bytes("A\tB\tcount\n1\t0\t3\n# Bia\u0142ystok\n".encode("latin-1", errors="replace")
                     .replace(b"?", b"\xff"))
    with pytest.raises(CaptureTableError, match=r"latin1.tsv:3: the file is not UTF-8"):
        read_capture_table(path)


def test_keep_lists_collapses_the_table():
    t = CaptureTable.from_patterns(["A", "B", "C"], {(1, 0, 0): 5, (0, 0, 1): 7, (1, 0, 1): 2, (0, 1, 1): 1})
    ab = t.keep_lists([0, 1])
    assert ab.lists == ("A", "B") and ab.observed == 5 + 2 + 1
    with pytest.raises(ValueError):
        CaptureTable(("A", "B"), (1, 2, 3, 4))
