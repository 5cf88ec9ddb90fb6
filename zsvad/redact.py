"""Redaction of secrets from text zsvad prints or stores (errors, logs, results).

Anything that came from a server (error bodies, echoed requests) or holds a URL goes through
:func:`redact` first: URL credentials (``scheme://user:pass@host``), ``Authorization`` /
``Bearer`` tokens, ``api_key=…`` style parameters, common key shapes (``sk-…``, ``hf_…``) and
every secret value passed in are replaced by ``***``. Log records get the same through
:class:`RedactFilter` (installed on every zsvad logger by :mod:`zsvad.logs`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

MASK = "***"

_PATTERNS = [
    # user:password@ up to the token's last "@": a camera password may hold "@" or "/"
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s\"'<>]*@"), r"\1" + MASK + "@"),
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + MASK),
    (
        re.compile(
            r"(?i)\b(api[_-]?key|access[_-]?key|access[_-]?token|client[_-]?secret|secret|"
            r"password|passwd|pwd|token|signature)([\"']?\s*[:=]\s*[\"']?)"
            r"[^\s\"'&,;}]{3,}"
        ),
        r"\1\2" + MASK,
    ),
    (re.compile(r"\b(sk|hf|pk|rk)[-_][A-Za-z0-9_-]{12,}"), MASK),
    # short names that are secrets only as URL query parameters (?key=…, &sig=…)
    (re.compile(r"(?i)([?&](?:key|pass|auth|sig)=)[^&\s#\"']+"), r"\1" + MASK),
]


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with secrets (known values and recognisable shapes) replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


_TRACEBACKS = logging.Formatter()


def redact_record(record: logging.LogRecord) -> None:
    """Redact ``record`` in place: its message rendered with its args (``args`` becomes
    ``None``), its traceback rendered to ``exc_text`` (``exc_info`` becomes ``None``, so no
    handler renders the raw exception again) and its ``stack_info``."""
    try:
        message = record.getMessage()
    except Exception:  # args that do not fit: left out (the key naming a secret may be lost)
        message = f"{record.msg} [log arguments that do not fit the format left out]"
    record.msg, record.args = redact(message), None
    if record.exc_info:
        if not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactFilter(logging.Filter):
    """A logging filter that redacts every record (:func:`redact_record`) and drops none.

    On a logger it applies to the records that logger makes (not to those its children
    propagate to it); on a handler, to every record that handler gets."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A CSV cell that spreadsheets will not run as a formula: text starting with
    ``= + - @`` (or tab / CR) gets a leading ``'``; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def url_origin(url: str) -> str:
    """``scheme://host[:port]/…``: a URL whose path or query may be its secret (a chat
    webhook's token usually is its path) shown without them, nor credentials."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    return f"{parts.scheme}://{host}{port}/…" if parts.scheme and host else MASK


SECRET_URL_KEYS = ("webhook_url",)
"""Keys whose URL values are stored and shown only as :func:`url_origin`."""


def redact_tree(obj):
    """A copy of a JSON-like tree with :func:`redact` applied to every string in it (and the
    URLs under :data:`SECRET_URL_KEYS` cut to their origin)."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {
            k: url_origin(v) if k in SECRET_URL_KEYS and isinstance(v, str) else redact_tree(v)
            for k, v in obj.items()
        }
    if isinstance(obj, list | tuple):
        return [redact_tree(v) for v in obj]
    return obj
