"""Ground-truth readers: UCF-Crime temporal, XD-Violence multi-pair / list, per-video ``.npy``.

Formats (``read_annotations(path, fmt=None)`` auto-detects when ``fmt`` is ``None``):

- ``ucf``: ``name class s1 e1 s2 e2`` (exactly two pairs, UCF-Crime temporal annotation).
- ``multi``: ``name class[,class…] s1 e1 [s2 e2 …]`` (any number of pairs, XD-Violence sample).
- ``xd-list``: ``name s1 e1 [s2 e2 …]`` (no class column; class is ``Anomaly`` when any pair is
  given, else ``Normal``).
- ``npy``: a directory of ``<video>.npy`` 0/1 frame-label arrays (ShanghaiTech / UBnormal style).
- ``lavad``: the LAVAD / URF ``test.txt`` list, ``name start end label[,label…]`` (first and last
  frame, inclusive, and class indices), read together with a temporal file in one of the formats
  above (``temporal=``): the list says which videos count and their frame counts, the temporal
  file their intervals and class names (intervals are shifted by ``start``).

Frame numbers are inclusive, a ``-1 -1`` pair means none; any other negative number is an error.
``name`` may carry a file extension; ids drop it. A video listed twice is an error naming both
lines unless the two rows say the same. A ``.npy`` header is checked before its array is read:
shape, type and size must fit the file and :data:`MAX_LABEL_FRAMES`.

Length rule: ground truth is always built to the result's frame count. Intervals past the end are
clipped; a ``.npy`` array longer than the result is trimmed, a shorter one padded with 0 (normal).
``Annotation.mismatch(num_frames)`` says whether the rule changed anything; ``evaluate`` counts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zsvad.errors import InputError
from zsvad.io.captions import MAX_NUM_FRAMES
from zsvad.io.npy import load_npy
from zsvad.io.videos import video_id_from_name
from zsvad.paths import open_regular

FORMATS = ("ucf", "multi", "xd-list", "npy", "lavad")
MAX_LABEL_FRAMES = MAX_NUM_FRAMES
"""Most frame labels a ``.npy`` file may hold (checked on its header, before allocating)."""


@dataclass(frozen=True)
class Annotation:
    """Ground truth of one video."""

    video_id: str
    category: str
    """Class name (several joined by ``,``); ``Normal`` for a normal video."""
    intervals: tuple[tuple[int, int], ...]
    """Anomalous frame ranges, inclusive."""
    frame_labels: np.ndarray | None = None
    """Per-frame 0/1 labels (``npy`` format) instead of intervals."""
    num_frames: int | None = None
    """Frame count the ground truth states (``lavad`` list), if any."""

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(c for c in self.category.split(",") if c)

    @property
    def abnormal(self) -> bool:
        if self.frame_labels is not None:
            return bool(self.frame_labels.any())
        return bool(self.intervals)

    def labels(self, num_frames: int) -> np.ndarray:
        """0/1 label per frame, trimmed / padded (with 0) / clipped to ``num_frames``."""
        y = np.zeros(num_frames, dtype=np.int8)
        if self.frame_labels is not None:
            n = min(num_frames, len(self.frame_labels))
            y[:n] = self.frame_labels[:n] != 0
            return y
        for a, b in self.intervals:
            y[max(a, 0) : min(b, num_frames - 1) + 1] = 1
        return y

    def mismatch(self, num_frames: int) -> bool:
        """Whether the ground truth had to be trimmed, padded or clipped to ``num_frames``."""
        if self.frame_labels is not None:
            return len(self.frame_labels) != num_frames
        if self.num_frames is not None and self.num_frames != num_frames:
            return True
        return any(b >= num_frames for _, b in self.intervals)


def _lines(path: Path) -> list[str]:
    """The lines of an annotation file; a fifo or device is refused before it can block."""
    with open_regular(path, "annotations") as fh:
        try:
            return fh.read().decode("utf-8").split("\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read annotations: {exc}", source=path) from exc


def _pairs(fields: list[str], path: Path, lineno: int) -> tuple[tuple[int, int], ...]:
    try:
        numbers = [int(x) for x in fields]
    except ValueError as exc:
        raise InputError("frame numbers must be integers", source=path, line=lineno) from exc
    intervals = []
    for a, b in zip(numbers[::2], numbers[1::2]):
        if a == b == -1:
            continue
        if a < 0 or b < 0:
            raise InputError(
                f"negative frame number in {a}..{b} (only '-1 -1' means no interval)",
                source=path,
                line=lineno,
            )
        if b < a:
            raise InputError(f"bad interval {a}..{b}", source=path, line=lineno)
        intervals.append((a, b))
    return tuple(intervals)


def _is_int(s: str) -> bool:
    try:
        int(s)
    except ValueError:
        return False
    return True


def detect_format(path: str | Path) -> str:
    """Guess the format of ``path`` (a directory is ``npy``)."""
    path = Path(path)
    if path.is_dir():
        return "npy"
    lines = [ln.split() for ln in _lines(path)]
    lines = [f for f in lines if f]
    if not lines:
        raise InputError("annotation file is empty", source=path)
    if all(len(f) == 4 and _is_int(f[1]) and _is_int(f[2]) for f in lines):
        return "lavad"
    if all(len(f) >= 2 and _is_int(f[1]) for f in lines):
        return "xd-list"
    if all(len(f) == 6 and "," not in f[1] for f in lines):
        return "ucf"
    return "multi"


def read_annotations(
    path: str | Path, fmt: str | None = None, temporal: str | Path | None = None
) -> dict[str, Annotation]:
    """Parse ground truth into ``{video_id: Annotation}`` (``fmt`` one of ``FORMATS``;
    ``temporal``: the intervals file that goes with a ``lavad`` list)."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown annotation format {fmt!r} (one of {', '.join(FORMATS)})")
    if fmt == "npy":
        return _read_npy(path)
    if fmt == "lavad":
        return _read_lavad(path, temporal)
    lines = _lines(path)
    out: dict[str, Annotation] = {}
    first: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        if fmt == "xd-list":
            if len(fields) < 3 or (len(fields) - 1) % 2:
                raise InputError(
                    "expected 'name start1 end1 [start2 end2 …]'", source=path, line=lineno
                )
            intervals = _pairs(fields[1:], path, lineno)
            category = "Anomaly" if intervals else "Normal"
        else:
            if fmt == "ucf" and len(fields) != 6:
                raise InputError(
                    "expected 'name class start1 end1 start2 end2'", source=path, line=lineno
                )
            if len(fields) < 4 or (len(fields) - 2) % 2:
                raise InputError(
                    "expected 'name class start1 end1 [start2 end2 …]'", source=path, line=lineno
                )
            intervals = _pairs(fields[2:], path, lineno)
            category = fields[1]
        vid = video_id_from_name(fields[0])
        _add(out, first, Annotation(vid, category, intervals), path, lineno)
    if not out:
        raise InputError("annotation file is empty", source=path)
    return out


def _add(
    out: dict[str, Annotation], first: dict[str, int], ann: Annotation, path: Path, lineno: int
) -> None:
    """Keep ``ann``; a video given before is an error unless both rows say the same."""
    old = out.get(ann.video_id)
    if old is not None and old != ann:
        raise InputError(
            f"video {ann.video_id!r} is listed again with other values (first on line "
            f"{first[ann.video_id]})",
            source=path,
            line=lineno,
        )
    out[ann.video_id] = ann
    first.setdefault(ann.video_id, lineno)


def read_label_array(path: Path, max_frames: int = MAX_LABEL_FRAMES) -> np.ndarray:
    """The array of a ``.npy`` frame-label file, its header checked first (:func:`load_npy`:
    a regular file, a numeric type, at most ``max_frames`` values and no more than the file
    holds; a header claiming a huge shape is refused before anything is allocated)."""
    return load_npy(path, "frame labels", max_frames, expect="0/1 numbers")


def _read_npy(path: Path) -> dict[str, Annotation]:
    if not path.is_dir():
        raise InputError("npy format expects a directory of <video>.npy files", source=path)
    out: dict[str, Annotation] = {}
    for f in sorted(path.glob("*.npy")):
        arr = np.asarray(read_label_array(f)).reshape(-1)
        if arr.size and not np.isin(arr, (0, 1)).all():
            raise InputError("frame labels must be 0/1", source=f)
        vid = f.stem
        lab = arr.astype(np.int8)
        out[vid] = Annotation(vid, "Anomaly" if lab.any() else "Normal", (), lab)
    if not out:
        raise InputError("no .npy files in the directory", source=path)
    return out


def _read_lavad(path: Path, temporal: str | Path | None) -> dict[str, Annotation]:
    if temporal is None:
        raise InputError(
            "a LAVAD/URF test list needs its temporal annotation file (--temporal FILE)",
            source=path,
        )
    temporal_fmt = detect_format(temporal)
    if temporal_fmt in ("lavad", "npy"):
        raise InputError("not a temporal annotation file (ucf, multi or xd-list)", source=temporal)
    intervals = read_annotations(temporal, temporal_fmt)
    lines = _lines(path)
    out: dict[str, Annotation] = {}
    first: dict[str, int] = {}
    for lineno, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        labels = fields[3].split(",") if len(fields) == 4 else []
        if len(fields) != 4 or not all(_is_int(x) for x in [*fields[1:3], *labels]):
            raise InputError("expected 'name start end label[,label…]'", source=path, line=lineno)
        start, end = int(fields[1]), int(fields[2])
        if start < 0 or end < start:
            raise InputError(f"bad frame range {start}..{end}", source=path, line=lineno)
        vid = video_id_from_name(Path(fields[0]).name)
        ann = intervals.get(vid)
        if ann is None:
            raise InputError(f"video {vid!r} is not in {temporal}", source=path, line=lineno)
        shifted = tuple((a - start, b - start) for a, b in ann.intervals if b >= start)
        shifted = tuple((max(a, 0), b) for a, b in shifted)
        ann = Annotation(vid, ann.category, shifted, num_frames=end - start + 1)
        _add(out, first, ann, path, lineno)
    if not out:
        raise InputError("annotation file is empty", source=path)
    return out
