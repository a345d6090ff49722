"""Read a CSV download as the cells a spreadsheet shows."""

from __future__ import annotations

import csv
import io
from typing import Any


def csv_rows(response_or_text: Any) -> list[list[str]]:
    text = response_or_text if isinstance(response_or_text, str) else response_or_text.content.decode()
    return list(csv.reader(io.StringIO(text, newline="")))
