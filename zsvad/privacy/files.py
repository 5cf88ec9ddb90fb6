"""Owner-only folders and files for what holds footage-derived images (``privacy.owner_only``).

A folder zsvad creates for such images is made ``0700`` and each such file ``0600``, whatever
the umask; a folder that already existed keeps its permissions (it may be the user's own).
With ``owner_only`` false, both get the umask's usual permissions.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: str | Path, owner_only: bool = True) -> Path:
    """Create folder ``path`` (and its parents); a new one is ``0700`` when ``owner_only``."""
    path = Path(path)
    existed = path.is_dir()
    path.mkdir(parents=True, exist_ok=True)
    if owner_only and not existed:
        os.chmod(path, DIR_MODE)
    return path


def private_file(path: str | Path, owner_only: bool = True) -> Path:
    """Make the written file ``path`` ``0600`` when ``owner_only``; returns ``path``."""
    if owner_only:
        os.chmod(path, FILE_MODE)
    return Path(path)
