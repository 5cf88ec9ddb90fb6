"""Identifiers (video ids, memory names) that become parts of file names.

Ids come from users' files (captions ``video_id``, manifest ``video_id`` columns, file stems,
memory names) and are kept verbatim in result JSON and summaries; only the file names derived
from them go through :func:`file_stem`, the one sanitiser for every such place. It maps any id to
a single path component that:

- holds no separator (``/``, ``\\``), NUL or control/format character and no ``%`` (each is
  written as ``%XX`` of its UTF-8 bytes), so it can never leave its folder;
- never starts with ``.`` or ``_`` (so ``..``, ``.hidden`` and ``_x`` are neither special to
  the OS nor skipped as hidden/private files by ``report`` / ``eval``);
- is never a reserved stem (``summary``, ``index``, ``run``, ``config``, …, which the output
  folders use for their own files);
- is at most :data:`MAX_STEM_BYTES` bytes of UTF-8: longer ids are cut and end in ``%~`` plus a
  hash of the full id, so a 300-character id never fails with "File name too long".

The mapping is injective (``%`` is always escaped, and ``%~`` never comes out of escaping), so two
distinct ids never share a file name, up to a 64-bit hash collision for over-long ids.

:func:`id_problem` is for the places that reject rather than map: an empty id, or one holding NUL
or control characters, cannot be shown in a report or terminal faithfully and is an input error.
"""

from __future__ import annotations

import hashlib
import unicodedata

MAX_STEM_BYTES = 120
"""Longest file-name stem (UTF-8 bytes); leaves room for suffixes within NAME_MAX (255)."""

MAX_ID_CHARS = 4096
"""Longest id accepted at all (ids are kept verbatim in results)."""

OUTPUT_FILES = frozenset({"summary.json", "run.json", "config.json", "live.json", "alerts.jsonl"})
"""Files zsvad writes beside the results of an output folder (``score``, ``batch``, ``watch``)
that are not results: the one list of them (result readers skip them, ``watch`` refuses them as
camera names)."""

RESERVED_STEMS = frozenset(
    {"summary", "index", "run", "config", "errors", "report", "results", "frames"}
    | {name.split(".", 1)[0] for name in OUTPUT_FILES}
)
"""Stems the output folders use for their own files (compared case-insensitively): a video
named ``live.mp4`` gets a result file that cannot be taken for ``live.json``."""

_HASH_MARK = "%~"


def _unsafe(ch: str) -> bool:
    if ch in "/\\%" or ord(ch) < 0x20 or ord(ch) == 0x7F:
        return True
    # Cc control, Cf format (bidi overrides), Cs surrogates, Co private use, Cn unassigned,
    # Zl/Zp line and paragraph separators.
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _escape(ch: str) -> str:
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))


def file_stem(video_id: str) -> str:
    """A safe, unique file-name stem for ``video_id`` (see the module docstring)."""
    text = str(video_id)
    out = "".join(_escape(c) if _unsafe(c) else c for c in text)
    if not out:
        out = "%~empty"  # "%~" never comes out of escaping, and hash suffixes are hex
    if out[0] in "._" or out[0] == " ":
        out = _escape(out[0]) + out[1:]
    base = out.split(".", 1)[0].strip().lower()
    if base in RESERVED_STEMS:
        out = _escape(out[0]) + out[1:]
    if out[-1] in ". ":
        out = out[:-1] + _escape(out[-1])
    if len(out.encode("utf-8")) > MAX_STEM_BYTES:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        keep = MAX_STEM_BYTES - len(_HASH_MARK) - len(digest)
        cut = out.encode("utf-8")[:keep].decode("utf-8", "ignore")
        # never cut inside a %XX escape
        pct = cut.rfind("%", max(0, len(cut) - 2))
        if pct != -1:
            cut = cut[:pct]
        out = f"{cut}{_HASH_MARK}{digest}"
    return out


def id_problem(video_id: object) -> str | None:
    """Why ``video_id`` cannot be used as an id (None when it can)."""
    if not isinstance(video_id, str):
        return f"video_id must be a string, not {type(video_id).__name__}"
    if not video_id.strip():
        return "empty video_id"
    if len(video_id) > MAX_ID_CHARS:
        return f"video_id longer than {MAX_ID_CHARS} characters"
    bad = next((c for c in video_id if unicodedata.category(c) in {"Cc", "Cs"}), None)
    if bad is not None:
        return f"video_id holds a control character (U+{ord(bad):04X}): {video_id!r}"
    return None
