"""Reading ``.npy`` arrays that anyone may have written: the header is checked before anything
is allocated (a header claiming a huge shape is refused, not obeyed)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from zsvad.errors import InputError
from zsvad.paths import open_regular


def load_npy(
    path: Path, what: str, max_values: int, kinds: str = "biuf", expect: str = "numbers"
) -> np.ndarray:
    """The array of a ``.npy`` file: a regular file (never a fifo), format 1.0 or 2.0, a dtype
    of ``kinds`` (no objects, so no pickle), at most ``max_values`` values and no more than the
    file holds. Any problem is an :class:`InputError` naming the file and ``what`` it is."""
    fmt = np.lib.format
    with open_regular(path, what) as fh:
        try:
            version = fmt.read_magic(fh)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f".npy format version {version} is not supported")
            read_header = fmt.read_array_header_1_0 if version == (1, 0) else None
            shape, _, dtype = (read_header or fmt.read_array_header_2_0)(fh)
            count = int(np.prod(shape, dtype=object))
            left = os.fstat(fh.fileno()).st_size - fh.tell()
            if dtype.hasobject or dtype.kind not in kinds:
                raise ValueError(f"values of type {dtype}, expected {expect}")
            if count > max_values:
                raise ValueError(f"header claims {count} values, over the limit of {max_values}")
            if count * dtype.itemsize > left:
                raise ValueError(
                    f"header claims {count} values of {dtype}, the file holds {left} bytes"
                )
            fh.seek(0)
            return np.load(fh, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise InputError(f"cannot read {what}: {exc}", source=path) from exc
