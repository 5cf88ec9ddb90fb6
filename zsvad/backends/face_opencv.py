"""Offline face (and plate) detectors of OpenCV (extra ``privacy``).

- :class:`HaarDetector`: the Haar cascades shipped inside the ``opencv-python-headless`` 4.x
  wheel (``cv2.data.haarcascades``): frontal faces plus profiles looking either way. OpenCV 5
  dropped them from the main wheel, hence the ``<5`` pin of the extra.
- :class:`YuNetDetector`: OpenCV's YuNet CNN (``cv2.FaceDetectorYN``) from an ONNX file the
  user gives; stronger on small, turned and dark faces. Never downloaded.

Both take RGB ``(H, W, 3)`` uint8 frames at whatever resolution they are given and return
boxes ``(x, y, w, h)`` in its pixels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zsvad.errors import ConfigError
from zsvad.extras import require

Box = tuple[int, int, int, int]
"""``(x, y, width, height)`` in pixels of the frame searched."""

FACE_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")
"""Cascades of :class:`HaarDetector` (the profile one is also run on the mirrored frame)."""
PLATE_CASCADES = ("haarcascade_russian_plate_number.xml",)
"""Cascade of the opt-in plate mode: trained on Russian plates, weak elsewhere."""


def _cv2():
    return require("cv2", "face anonymisation of written images", extra="privacy")


class HaarDetector:
    """OpenCV Haar cascades (``cascades``: file names in ``cv2.data.haarcascades`` or paths;
    those in ``mirror`` also run on the mirrored frame; ``profiles=False`` drops the profile
    cascade)."""

    name = "haar"

    def __init__(
        self,
        cascades: tuple[str, ...] = FACE_CASCADES,
        min_size: int = 20,
        neighbours: int = 5,
        mirror: tuple[str, ...] = ("haarcascade_profileface.xml",),
        profiles: bool = True,
        **_: object,
    ):
        if not profiles:
            cascades = tuple(c for c in cascades if "profile" not in c)
        cv2 = _cv2()
        self.cv2 = cv2
        self.min_size = min_size
        self.neighbours = neighbours
        self.cascades = []
        for name in cascades:
            path = Path(name) if Path(name).is_absolute() else Path(cv2.data.haarcascades) / name
            cascade = cv2.CascadeClassifier(str(path))
            if cascade.empty():
                raise ConfigError(f"{path}: not a readable OpenCV cascade")
            self.cascades.append((cascade, name in mirror))

    def detect(self, frame: np.ndarray) -> list[Box]:
        """Boxes of the faces in the RGB ``frame``."""
        cv2 = self.cv2
        gray = cv2.equalizeHist(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY))
        width = gray.shape[1]
        boxes: list[Box] = []
        for cascade, mirrored in self.cascades:
            for flip in (False, True) if mirrored else (False,):
                found = cascade.detectMultiScale(
                    gray[:, ::-1] if flip else gray,
                    scaleFactor=1.1,
                    minNeighbors=self.neighbours,
                    minSize=(self.min_size, self.min_size),
                )
                for x, y, w, h in np.asarray(found).reshape(-1, 4).tolist():
                    boxes.append((width - x - w if flip else x, y, w, h))
        return boxes


class YuNetDetector:
    """OpenCV's YuNet face detector from the ONNX ``model`` file the user gives."""

    name = "yunet"

    def __init__(
        self,
        model: str | Path | None = None,
        score_threshold: float = 0.6,
        **_: object,
    ):
        if not model:
            raise ConfigError(
                "the yunet face detector needs its ONNX model file: set privacy.model "
                "(e.g. face_detection_yunet_2023mar.onnx from the OpenCV model zoo)"
            )
        path = Path(model)
        if not path.is_file():
            raise ConfigError(f"{path}: YuNet model file not found")
        cv2 = _cv2()
        if not hasattr(cv2, "FaceDetectorYN"):
            raise ConfigError(f"OpenCV {cv2.__version__} has no FaceDetectorYN (needs 4.5.4+)")
        self.cv2 = cv2
        try:
            self.net = cv2.FaceDetectorYN.create(str(path), "", (320, 320), score_threshold)
        except cv2.error as exc:
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"{path}: not a YuNet ONNX model OpenCV can load: {first}") from exc

    def detect(self, frame: np.ndarray) -> list[Box]:
        """Boxes of the faces in the RGB ``frame``."""
        cv2 = self.cv2
        bgr = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR)
        height, width = bgr.shape[:2]
        self.net.setInputSize((width, height))
        _, faces = self.net.detect(bgr)
        if faces is None:
            return []
        return [(round(x), round(y), round(w), round(h)) for x, y, w, h in faces[:, :4].tolist()]
