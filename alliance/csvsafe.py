"""The one CSV writer: every CSV the product emits goes through it (ruff's banned-api holds that).

Names in these files come from outside (the public inquiry form, uploads), and a
spreadsheet runs a cell that starts with a formula character. Following OWASP's
CSV injection guidance, a text cell starting with `=`, `+`, `-`, `@`, tab or
carriage return gets a leading `'` so the spreadsheet shows it as text, and
every text cell is quoted, so a separator inside a name (`;` where the
spreadsheet splits on it) cannot start a new cell with a formula either.

Numbers stay numbers: ints, Decimals and floats are written bare, and so is text
that is exactly a number (`-12.50`, `0.1641`), which a spreadsheet reads as that
number and never as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class NumberText(str):
    """Text that is exactly a number, kept as written (`-12.50`, `007`): csv's
    QUOTE_NONNUMERIC leaves it bare, as it does ints and Decimals."""

    def __float__(self) -> float:
        return float(str(self))


def csv_safe(value: Any) -> Any:
    """A cell as it may be written: numbers as numbers, text never as a formula."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)
    if PLAIN_NUMBER.fullmatch(text):
        return NumberText(text)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class SafeWriter:
    """csv.writer's interface (writerow, writerows) with every cell made safe."""

    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_safe(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(SafeWriter):
    """csv.DictWriter's interface: rows are mappings of the field names."""

    def __init__(self, out: _Writable, fieldnames: Sequence[str]) -> None:
        super().__init__(out)
        self.fieldnames = list(fieldnames)

    def writeheader(self) -> Any:
        return self.writerow(self.fieldnames)

    def writerow(self, row: Mapping[str, Any] | Iterable[Any]) -> Any:  # type: ignore[override]
        if isinstance(row, Mapping):
            return super().writerow(row.get(name, "") for name in self.fieldnames)
        return super().writerow(row)


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV file as text (the header is the first row)."""
    out = io.StringIO()
    SafeWriter(out).writerows(rows)
    return out.getvalue()
