"""Errors zsvad raises for problems a user can fix.

Every user-facing error names the file (or setting) and the problem in one line; the CLI prints
``str(error)`` and exits non-zero, and shows a traceback only with ``--debug``.
"""

from __future__ import annotations

import re
from pathlib import Path

_BREAK = re.compile(r"\s*[\r\n]\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """``text`` as one printable line: line breaks (with their indentation) become one space,
    other control and bidi characters (e.g. an escape sequence in a file name) are shown as
    ``\\xNN`` / ``\\uNNNN``, so no input can forge or repaint terminal output."""
    text = _BREAK.sub(" ", str(text)).strip()
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class ZsvadError(Exception):
    """A problem with input, configuration or environment that the user can fix."""

    stage: str | None = None
    """The stage it arose in (batch records it with the error), when the class fixes one."""

    def __init__(self, problem: str, *, source: str | Path | None = None, line: int | None = None):
        self.problem = problem
        self.source = str(source) if source is not None else None
        self.line = line
        super().__init__(self._format())

    def _format(self) -> str:
        if self.source is None:
            return self.problem
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.problem}"


class ConfigError(ZsvadError):
    """Invalid configuration: unknown key, bad value, unknown profile."""


class InputError(ZsvadError):
    """Invalid input data: malformed captions, bad video, unreadable file."""


class OutputError(ZsvadError, OSError):
    """An output (result, table, cache or log file) could not be written: disk full, read-only
    folder, no permission, a folder where the file should be. Also an :class:`OSError` (with
    the original ``errno``), so code that handles write failures as such still does."""

    def __init__(self, problem: str, *, source: str | Path | None = None, errno: int | None = None):
        super().__init__(problem, source=source)
        self.errno = errno


class DecodeError(InputError):
    """A video that cannot be decoded (or yields no frames) once probing accepted it."""

    stage = "decode"


class MissingExtraError(ZsvadError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, module: str, extra: str, purpose: str = ""):
        self.module = module
        self.extra = extra
        what = f" (needed for {purpose})" if purpose else ""
        super().__init__(
            f"the optional dependency '{module}' is not installed{what}; "
            f"install it with: pip install 'zsvad[{extra}]'"
        )


class ModelNotAvailableError(ZsvadError):
    """Model weights are not present locally and cannot be downloaded (offline or no hub)."""
