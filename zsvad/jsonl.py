"""Read JSON-lines files that anyone may have written, in bounded memory.

Every problem is an :class:`~zsvad.errors.InputError` naming ``file:line``: a line over
:data:`MAX_LINE_BYTES`, bytes that are not UTF-8, malformed JSON, nesting deeper than the
parser allows, integers of more than :data:`MAX_INT_DIGITS` digits, and ``NaN`` / ``Infinity`` /
``1e999``. Lines are split on ``\\n`` only (JSON strings may hold U+2028 verbatim), and the file
is read line by line, never whole. A fifo, device or folder is refused before it is opened.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

from zsvad.errors import InputError
from zsvad.paths import open_regular, read_text_file

MAX_LINE_BYTES = 1 << 20
"""Longest line (bytes) of a captions, cache or memory JSONL file."""
MAX_INT_DIGITS = 20
"""Longest integer in such a file (frame counts and indexes fit in 20 digits)."""
MAX_JSON_DEPTH = 64
"""Deepest nesting of objects and lists a JSON file (or an LLM's JSON answer) may have."""
MAX_JSON_FILE_BYTES = 64 << 20
"""Largest single JSON file read whole (a per-video captions file, a manifest)."""


class _Refused(ValueError):
    pass


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"integer of {len(text)} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"number {text[:30]} is not finite")
    return value


def _constant(name: str):
    raise _Refused(f"{name} is not a number JSON allows")


def parse_line(raw: str | bytes, source: str | Path, lineno: int) -> object:
    """One JSON value, or a one-line :class:`InputError` naming ``source:lineno``."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("line is not UTF-8 text", source=source, line=lineno) from exc
    try:
        return json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _Refused as exc:
        raise InputError(str(exc), source=source, line=lineno) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON ({exc.msg})", source=source, line=lineno) from exc
    except RecursionError as exc:
        raise InputError("JSON nested too deeply", source=source, line=lineno) from exc
    except ValueError as exc:  # e.g. Python's limit on int-string conversion
        raise InputError(f"malformed JSON ({exc})", source=source, line=lineno) from exc


def depth_within(obj: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``obj`` nests objects and lists no deeper than ``limit`` (walked without
    recursion, so any parsed value can be checked)."""
    stack = [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > limit:
                return False
            stack += [(v, depth + 1) for v in (node.values() if isinstance(node, dict) else node)]
    return True


def read_json_file(
    path: str | Path, what: str = "file", max_bytes: int = MAX_JSON_FILE_BYTES
) -> object:
    """The JSON value of a whole file that anyone may have written: a regular file only (a fifo
    or device is refused before it is opened), at most ``max_bytes``, UTF-8, nested no deeper
    than :data:`MAX_JSON_DEPTH`, numbers as in :func:`parse_line`; every problem is a one-line
    :class:`InputError` naming the file (and line, for malformed JSON)."""
    path = Path(path)
    text = read_text_file(path, what, max_bytes=max_bytes)
    if len(text.encode("utf-8")) > max_bytes:
        raise InputError(f"{what} is larger than {max_bytes} bytes", source=path)
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _Refused as exc:
        raise InputError(str(exc), source=path) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", source=path, line=exc.lineno) from exc
    except RecursionError as exc:
        raise InputError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", source=path) from exc
    except ValueError as exc:  # e.g. Python's limit on int-string conversion
        raise InputError(f"not valid JSON ({exc})", source=path) from exc
    if not depth_within(value):
        raise InputError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", source=path)
    return value


def iter_lines(
    path: str | Path, what: str = "file", max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without the ``\\n``) of each non-blank line."""
    path = Path(path)
    try:
        with open_regular(path, what) as fh:
            lineno = 0
            while True:
                raw = fh.readline(max_line_bytes + 1)
                if not raw:
                    return
                lineno += 1
                if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                    raise InputError(
                        f"line longer than {max_line_bytes} bytes", source=path, line=lineno
                    )
                raw = raw.rstrip(b"\n").removesuffix(b"\r")
                if raw.strip():
                    yield lineno, raw
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", source=path) from exc


def iter_jsonl(
    path: str | Path, what: str = "file", max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, object]]:
    """(line number, JSON value) of each non-blank line; see the module docstring."""
    for lineno, raw in iter_lines(path, what, max_line_bytes):
        yield lineno, parse_line(raw, path, lineno)
