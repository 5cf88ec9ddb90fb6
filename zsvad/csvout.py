"""The one CSV writer of zsvad's exports (``summary.csv``, ``segments.csv``, ``diff --csv``).

Every cell goes through :func:`zsvad.redact.csv_safe` (OWASP CSV injection: text starting with
``= + - @``, tab or CR gets a leading ``'``; numbers, and text that reads as one such as
``-0.5``, stay numeric); ``None`` is an empty cell. Lines end in CRLF (RFC 4180), so a cell
holding a CR or LF is quoted. Files are written atomically.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from zsvad.atomic import atomic_write_text
from zsvad.redact import csv_safe


def _cell(value: Any) -> Any:
    return "" if value is None else csv_safe(value)


def csv_text(fields: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> str:
    """A header of ``fields`` and one line per row (a mapping by field name, missing fields
    empty, or a sequence in field order), every cell made safe."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180: a CR in a cell is quoted
    writer.writerow([csv_safe(f) for f in fields])
    for row in rows:
        cells = [row.get(f) for f in fields] if isinstance(row, Mapping) else list(row)
        writer.writerow([_cell(v) for v in cells])
    return buf.getvalue()


def write_csv(
    path: str | Path, fields: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]
) -> Path:
    """Write :func:`csv_text` to ``path`` atomically."""
    return atomic_write_text(path, csv_text(fields, rows))
