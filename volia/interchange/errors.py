"""Row-level problems found while reading or validating an interchange file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: where it is, what it holds and why it is wrong."""

    file: str
    row: int  # 1-based data row number as a spreadsheet user sees it (header is row 1)
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        cell = f" {self.column}={self.value!r}" if self.column else ""
        return f"{where}:{cell}: {self.reason}" if cell else f"{where}: {self.reason}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "row": self.row, "column": self.column,
                "value": self.value, "reason": self.reason}


class ImportRejected(Exception):
    """The file was rejected whole; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s); nothing was imported")
