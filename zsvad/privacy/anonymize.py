"""Blurring the faces (and plates) of a frame before zsvad writes it as an image.

:class:`Anonymizer` runs the configured detector (:mod:`zsvad.backends.face_opencv`) on the
frame at the resolution it is given (callers pass full-resolution frames and shrink afterwards),
grows each box by ``padding`` and blurs it. A frame whose detection fails is blurred whole,
never written raw. Only written images pass through here: the models read unblurred frames, so
scores never change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from zsvad.backends.face_opencv import PLATE_CASCADES, Box, HaarDetector
from zsvad.config.privacy import PrivacyConfig
from zsvad.errors import one_line
from zsvad.extras import require
from zsvad.logs import get_logger

log = get_logger(__name__)

Detect = Callable[[np.ndarray], list[Box]]

BLUR_CELLS = 6
"""A blurred box keeps about this many cells of colour across its shorter side."""
WHOLE_CELLS = 12
"""A frame blurred whole keeps about this many cells across its shorter side."""


@dataclass
class Outcome:
    """What :meth:`Anonymizer.apply` did to one frame."""

    faces: int = 0
    plates: int = 0
    boxes: list[Box] = field(default_factory=list)
    """The padded boxes blurred, ``(x, y, w, h)`` in the frame's pixels."""
    whole: str = ""
    """Why the frame was blurred whole (its detection failed); "" when it was not."""


class Anonymizer:
    """Finds faces (and plates) in RGB frames and blurs them (see the module docstring).

    ``detector`` / ``plate_detector`` replace the configured ones (tests, custom backends).
    Raises :class:`~zsvad.errors.MissingExtraError` naming the ``privacy`` extra when OpenCV
    is missing, :class:`~zsvad.errors.ConfigError` for a bad detector setting.
    """

    def __init__(
        self,
        cfg: PrivacyConfig | None = None,
        detector: Detect | None = None,
        plate_detector: Detect | None = None,
    ):
        from zsvad.registry import create

        self.cfg = cfg or PrivacyConfig()
        self.cv2 = require("cv2", "face anonymisation of written images", extra="privacy")
        if detector is None:
            backend = create(
                "face_detector",
                self.cfg.detector,
                model=self.cfg.model,
                score_threshold=self.cfg.score_threshold,
                min_size=self.cfg.min_face,
                profiles=self.cfg.profiles,
            )
            detector = backend.detect
        self.detect_faces = detector
        if plate_detector is None and self.cfg.plates:
            plates = HaarDetector(PLATE_CASCADES, min_size=self.cfg.min_face, mirror=())
            plate_detector = plates.detect
        self.detect_plates = plate_detector

    def describe(self) -> str:
        """What is done: ``faces found by the haar detector are blurred (boxes padded by
        25%)``."""
        what = "faces and licence plates" if self.detect_plates is not None else "faces"
        done = {"blur": "blurred", "pixelate": "pixelated"}[self.cfg.method]
        return (
            f"{what} found by the {self.cfg.detector} detector are {done} "
            f"(boxes padded by {self.cfg.padding:.0%})"
        )

    def apply(
        self, frame: np.ndarray, shrink: Callable[[np.ndarray], np.ndarray] | None = None
    ) -> tuple[np.ndarray, Outcome]:
        """``(anonymised copy of frame, outcome)``; never raises for a bad detection.

        ``shrink`` makes the written image out of the anonymised full-size frame; that image is
        searched again and what is found there blurred too (a detector may miss a face at one
        size and find it at another), so the written image holds no face the detector finds.
        """
        out, outcome = self._apply(frame)
        if shrink is None:
            return out, outcome
        small = np.ascontiguousarray(shrink(out))
        if outcome.whole:
            return small, outcome
        small, again = self._apply(small)
        outcome.faces += again.faces
        outcome.plates += again.plates
        outcome.whole = again.whole
        return small, outcome

    def _apply(self, frame: np.ndarray) -> tuple[np.ndarray, Outcome]:
        out = np.array(frame, dtype=np.uint8, copy=True)
        outcome = Outcome()
        try:
            faces = list(self.detect_faces(out))
            plates = list(self.detect_plates(out)) if self.detect_plates is not None else []
        except Exception as exc:  # any detector failure: never write the frame raw
            outcome.whole = f"face detection failed: {one_line(exc)}"
            log.warning("%s; the image is blurred whole", outcome.whole)
            return self.blur_whole(out), outcome
        outcome.faces, outcome.plates = len(faces), len(plates)
        height, width = out.shape[:2]
        for box in faces + plates:
            padded = pad_box(box, self.cfg.padding, width, height)
            if padded is not None:
                self._blur_region(out, padded)
                outcome.boxes.append(padded)
        return out, outcome

    def _blur_region(self, frame: np.ndarray, box: Box) -> None:
        cv2 = self.cv2
        x, y, w, h = box
        region = frame[y : y + h, x : x + w]
        scale = BLUR_CELLS / min(w, h)
        small = (max(1, round(w * scale)), max(1, round(h * scale)))
        tiny = cv2.resize(region, small, interpolation=cv2.INTER_AREA)
        if self.cfg.method == "pixelate":
            frame[y : y + h, x : x + w] = cv2.resize(tiny, (w, h), interpolation=cv2.INTER_NEAREST)
            return
        smooth = cv2.resize(tiny, (w, h), interpolation=cv2.INTER_LINEAR)
        frame[y : y + h, x : x + w] = cv2.GaussianBlur(smooth, (0, 0), max(1.0, min(w, h) / 12))

    def blur_whole(self, frame: np.ndarray) -> np.ndarray:
        """``frame`` blurred so that no face of any size stays recognisable."""
        height, width = frame.shape[:2]
        try:
            cv2 = self.cv2
            scale = WHOLE_CELLS / max(1, min(width, height))
            small = (max(1, round(width * scale)), max(1, round(height * scale)))
            tiny = cv2.resize(frame, small, interpolation=cv2.INTER_AREA)
            return np.ascontiguousarray(cv2.resize(tiny, (width, height), cv2.INTER_LINEAR))
        except Exception:  # even the blur failed: the frame's mean colour
            mean = frame.reshape(-1, frame.shape[-1]).mean(axis=0)
            return np.broadcast_to(mean.astype(np.uint8), frame.shape).copy()


def pad_box(box: Box, padding: float, width: int, height: int) -> Box | None:
    """``box`` grown by ``padding`` of its size on every side, clipped to the frame; None
    when nothing of it is inside."""
    x, y, w, h = (int(v) for v in box)
    dx, dy = round(w * padding), round(h * padding)
    x0, y0 = max(0, x - dx), max(0, y - dy)
    x1, y1 = min(width, x + w + dx), min(height, y + h + dy)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1 - x0, y1 - y0
