"""zsvad's loggers: every record they make is redacted before any handler sees it.

A filter on the ``zsvad`` logger would not do: Python applies a logger's filters only to the
records made by that logger, not to those its children propagate. So each module takes its
logger from :func:`get_logger`, which puts :data:`REDACT` on it; library users get redacted
records whatever handlers they configure. The CLI also puts it on its stderr handler
(:func:`configure_cli`), so the records of other libraries (httpx, PyAV…) are redacted too.
"""

from __future__ import annotations

import logging

from zsvad.redact import RedactFilter

REDACT = RedactFilter()
"""The one filter instance (``addFilter`` of the same instance twice adds it once)."""

CLI_FORMAT = "%(levelname)s %(name)s: %(message)s"


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with :data:`REDACT` on it (for ``zsvad.*`` modules)."""
    logger = logging.getLogger(name)
    logger.addFilter(REDACT)
    return logger


def configure_cli(root_level: int, zsvad_level: int) -> None:
    """The CLI's logging: a stderr handler at ``root_level`` (when nothing has set up the root
    logger yet) that writes above progress bars (:class:`zsvad.progress.TqdmHandler`) and
    redacts every record, and ``zsvad`` at ``zsvad_level``."""
    import sys

    from zsvad.progress import TqdmHandler

    root = logging.getLogger()
    if not root.handlers:
        handler = TqdmHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(CLI_FORMAT))
        handler.addFilter(REDACT)
        root.addHandler(handler)
        root.setLevel(root_level)
    get_logger("zsvad").setLevel(zsvad_level)
