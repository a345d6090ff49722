"""Reading an uploaded table, CSV or XLSX, into headers and rows of text.

Both shapes give the same thing: the header names as the file writes them
(normalised to lower_snake_case so a mapping matches them whatever their case
and spacing), and each data row with the line a person sees in their editor
or spreadsheet. Cells are text; the import's row forms parse them. Blank lines
are skipped but keep the line numbers of the rows after them.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

XLSX_MAGIC = b"PK\x03\x04"


def header_key(text: str) -> str:
    return " ".join(str(text).split()).lower().replace(" ", "_")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        # Spreadsheets store 18 as 18.0 and 17.5 as 17.5; money keeps its cents as written.
        return str(int(value)) if value.is_integer() else str(Decimal(str(value)))
    return str(value).strip()


def _csv_lines(raw: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”, or upload the .xlsx."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    last_line = 0
    try:
        for cells in reader:
            yield last_line + 1, [c.strip() for c in cells]
            last_line = reader.line_num
    except csv.Error as exc:
        raise ValidationError(f"Line {reader.line_num}: the file is not valid CSV ({exc}).") from None


def _xlsx_lines(raw: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # openpyxl raises several kinds for a damaged or foreign file
        raise ValidationError("The file is not a readable Excel workbook (.xlsx).") from None
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]
    finally:
        book.close()


def table_lines(raw: bytes, filename: str) -> Iterable[tuple[int, list[str]]]:
    """(line number, cells) of every line of the file, CSV or the first sheet of an XLSX."""
    if filename.lower().endswith(".xlsx") or raw[:4] == XLSX_MAGIC:
        return _xlsx_lines(raw)
    return _csv_lines(raw)


def read_table(raw: bytes, filename: str, *, max_rows: int) -> tuple[list[str], list[dict[str, Any]]]:
    """The file's header keys and its data rows ({"line", "values", "extra_cells"}).

    File-level problems raise ValidationError; row problems wait for the preview.
    """
    lines = iter(table_lines(raw, filename))
    header_row: list[str] | None = None
    for _line, cells in lines:
        if any(c for c in cells):
            header_row = cells
            break
    if header_row is None:
        raise ValidationError("The file is empty: the first line must name the columns.")
    while header_row and not header_row[-1]:
        header_row.pop()
    headers = [header_key(h) for h in header_row]
    duplicated = sorted({h for h in headers if h and headers.count(h) > 1})
    if duplicated:
        raise ValidationError(f"Columns named twice: {', '.join(duplicated)}.")
    rows: list[dict[str, Any]] = []
    for line, cells in lines:
        if not any(cells):
            continue
        if len(rows) >= max_rows:
            raise ValidationError(f"The file has more than {max_rows} rows; split it.")
        extra = [c for c in cells[len(headers) :] if c]
        values = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}
        rows.append({"line": line, "values": values, "extra_cells": len(extra)})
    if not rows:
        raise ValidationError("The file has column names but no rows.")
    return headers, rows
