"""Privacy options of the commands that write footage-derived images (``report``, ``score
--report``, ``batch --report``, ``watch``)."""

from __future__ import annotations

import argparse

from zsvad.config.privacy import PrivacyConfig


def add_privacy_options(p: argparse.ArgumentParser, detector: bool = False) -> None:
    """``--no-anonymize`` and ``--keep-umask`` (``detector``: also ``--plates`` and
    ``--face-model``, for ``zsvad report``, which reads no config)."""
    group = p.add_argument_group("privacy")
    group.add_argument(
        "--no-anonymize",
        action="store_true",
        help="write keyframes as recorded, faces visible [default: faces found are blurred]; "
        "same as --set privacy.anonymize=false",
    )
    group.add_argument(
        "--keep-umask",
        action="store_true",
        help="give folders and files holding keyframes the umask's usual permissions "
        "[default: owner only, 0700/0600]; same as --set privacy.owner_only=false",
    )
    if detector:
        group.add_argument(
            "--plates",
            action="store_true",
            help="also blur licence plates (OpenCV's Russian plate cascade: misses many others)",
        )
        group.add_argument(
            "--face-model",
            metavar="FILE.onnx",
            help="detect faces with this YuNet ONNX model instead of the Haar cascades",
        )


def apply_privacy_options(args: argparse.Namespace, cfg: PrivacyConfig) -> PrivacyConfig:
    """``cfg`` with the command line's privacy options applied (in place)."""
    if args.no_anonymize:
        cfg.anonymize = False
    if args.keep_umask:
        cfg.owner_only = False
    if getattr(args, "plates", False):
        cfg.plates = True
    if getattr(args, "face_model", None):
        cfg.detector, cfg.model = "yunet", args.face_model
    return cfg


def check_anonymizer(cfg: PrivacyConfig) -> None:
    """Fail before any work when keyframes are to be anonymised and the detector cannot be
    built (the ``privacy`` extra missing, a bad model file)."""
    if cfg.anonymize:
        from zsvad.privacy.anonymize import Anonymizer

        Anonymizer(cfg)
