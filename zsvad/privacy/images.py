"""What anonymisation did to the written images, in the words of a report page or an alert."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from zsvad.privacy.anonymize import Anonymizer, Outcome


def image_note(outcome: Outcome | None) -> str:
    """What was done to one image, for its caption: "" unless it was blurred whole."""
    if outcome is None or not outcome.whole:
        return ""
    return f"blurred whole ({outcome.whole})"


@dataclass
class Tally:
    """What anonymisation did to the images of one page, report or camera."""

    images: int = 0
    with_found: int = 0
    faces: int = 0
    plates: int = 0
    whole: Counter = field(default_factory=Counter)
    """Reasons of the images blurred whole, with their counts."""

    def add(self, outcome: Outcome) -> None:
        self.images += 1
        self.with_found += bool(outcome.faces or outcome.plates)
        self.faces += outcome.faces
        self.plates += outcome.plates
        if outcome.whole:
            self.whole[outcome.whole] += 1


def privacy_note(anonymizer: Anonymizer | None, tally: Tally | None = None) -> str:
    """One sentence on the images of a page: anonymised how and with what effect, or not."""
    if anonymizer is None:
        return "Keyframes are not anonymised (--no-anonymize): people are shown as recorded."
    note = f"Keyframes anonymised: {anonymizer.describe()}"
    if tally is None or not tally.images:
        return note + "."
    found = f"{tally.faces} face(s)"
    if anonymizer.detect_plates is not None:
        found += f" and {tally.plates} plate(s)"
    note += f"; {found} in {tally.with_found} of {tally.images} image(s)"
    for reason, count in sorted(tally.whole.items()):
        note += f"; {count} image(s) blurred whole because {reason}"
    return note + ". Detection misses some faces (turned, tilted, small or dark ones)."


READ_CHUNK = 3
"""Frames decoded at full size at a time (one segment's keyframes): a 4K frame is 25 MB, the
largest ``probe`` lets through (40 MP) 120 MB."""


class ImagePrivacy:
    """The anonymiser of a report (None: ``--no-anonymize``) and the tally of its current page."""

    def __init__(self, anonymizer: Anonymizer | None):
        self.anonymizer = anonymizer
        self.tally = Tally()

    def start_page(self) -> None:
        """Count the next page's images afresh."""
        self.tally = Tally()

    def frames(self, video, indices: list[int], height: int) -> list[tuple[np.ndarray, str]]:
        """``(image, note)`` per frame of ``indices``: shorter side ``height`` pixels, faces
        found at the video's full resolution blurred (unless anonymisation is off)."""
        from zsvad.video import read_frames

        if self.anonymizer is None:
            return [(img, "") for img in read_frames(video, indices, resize=height)]
        out = []
        for start in range(0, len(indices), READ_CHUNK):
            for full in read_frames(video, indices[start : start + READ_CHUNK]):
                image, outcome = self.anonymizer.apply(full, lambda f: _shrink(f, height))
                self.tally.add(outcome)
                out.append((image, image_note(outcome)))
        return out

    def note(self) -> str:
        """The page's sentence on its keyframes (:func:`privacy_note`)."""
        return privacy_note(self.anonymizer, self.tally)


def _shrink(frame: np.ndarray, side: int) -> np.ndarray:
    """``frame`` with its shorter side scaled to ``side`` (the decoders' ``resize``)."""
    from PIL import Image

    h, w = frame.shape[:2]
    if min(w, h) == side:
        return frame
    scale = side / min(w, h)
    size = (max(2, round(w * scale / 2) * 2), max(2, round(h * scale / 2) * 2))
    return np.asarray(Image.fromarray(frame).resize(size, Image.Resampling.BILINEAR))
