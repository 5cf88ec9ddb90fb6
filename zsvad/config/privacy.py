"""Config of privacy: face (and plate) anonymisation of written images, file permissions.

Not part of a result's identity (:mod:`zsvad.identity`): it changes only the images zsvad writes
(report keyframes, alert keyframes), never a score, segment or window.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from zsvad.config.base import Section


class PrivacyConfig(Section):
    """What zsvad does to the people in the images it writes, and who may read its files."""

    anonymize: bool = True
    """Blur the faces (and, with ``plates``, licence plates) found in every image zsvad writes:
    report keyframes and thumbnails, alert keyframes. Off (``--no-anonymize``): images are
    written as recorded. The scores never depend on it."""
    detector: str = "haar"
    """Face detector backend (registry kind ``face_detector``): ``haar`` (OpenCV's Haar
    cascades shipped in the ``opencv-python-headless`` 4.x wheel, frontal and profile; extra
    ``privacy``) or ``yunet`` (OpenCV's YuNet ONNX detector; needs ``model``)."""
    model: str | None = None
    """ONNX model file of the ``yunet`` detector (e.g. ``face_detection_yunet_2023mar.onnx``);
    never downloaded."""
    score_threshold: float = Field(0.6, gt=0, lt=1)
    """``yunet``: lowest confidence of a face kept."""
    profiles: bool = True
    """``haar``: also look for faces in profile (looking either way); about three quarters of
    the detection time (figures: docs/security.md)."""
    min_face: int = Field(20, ge=8)
    """Smallest face looked for, pixels on a side, at the frame's full resolution."""
    padding: float = Field(0.25, ge=0, le=2)
    """Each detected box is grown by this share of its width and height on every side before
    it is blurred (hair, ears, chin, a box a little off)."""
    method: Literal["blur", "pixelate"] = "blur"
    """How a box is made unrecognisable: a strong Gaussian blur or coarse pixel blocks."""
    plates: bool = False
    """Also blur licence plates found by OpenCV's Russian plate cascade
    (``haarcascade_russian_plate_number.xml``). Weak: trained on one country's plates, it
    misses many others; no better plate detector ships offline (docs/security.md)."""
    owner_only: bool = True
    """Create output folders and files that hold footage-derived images (report folders,
    alert keyframes) readable by the owner only (0700 / 0600); false (``--keep-umask``):
    the usual permissions of the umask."""
