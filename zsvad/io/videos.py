"""Which files are videos: one suffix list and one folder listing for every command
(``score DIR``, ``batch DIR``, the report's video search)."""

from __future__ import annotations

from pathlib import Path

VIDEO_SUFFIXES = frozenset(
    {
        ".mp4",
        ".m4v",
        ".mov",
        ".avi",
        ".mkv",
        ".webm",
        ".mpg",
        ".mpeg",
        ".ts",
        ".flv",
        ".wmv",
        ".3gp",
    }
)
"""File suffixes (lower case) taken as videos."""


def is_video_path(path: str | Path) -> bool:
    """True if ``path`` has a video file suffix (any case)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def video_id_from_name(name: str) -> str:
    """``name`` without a video file extension (``A.mp4`` → ``A``)."""
    return Path(name).stem if is_video_path(name) else name


def files_under(folder: Path, suffixes=VIDEO_SUFFIXES) -> list[Path]:
    """Entries under ``folder`` (subfolders too) whose suffix is one of ``suffixes``, sorted;
    anything but a folder counts, so that an unreadable one is reported, not skipped."""
    wanted = {s.lower() for s in suffixes}
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in wanted and not p.is_dir())
