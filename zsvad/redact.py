"""Redaction of secrets from text zsvad prints or stores (errors, logs, results).

Anything that came from a server (error bodies, echoed requests) or holds a URL goes through
:func:`redact` first: URL credentials (``scheme://user:pass@host``), ``Authorization`` /
``Bearer`` tokens, ``api_key=…`` style parameters, common key shapes (``sk-…``, ``hf_…``) and
every secret value passed in are replaced by ``***``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

_PATTERNS = [
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@:]*(?::[^/\s@]*)?@"), r"\1" + MASK + "@"),
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 " + MASK),
    (
        re.compile(
            r"(?i)\b(api[_-]?key|access[_-]?token|secret|password|token)([\"']?\s*[:=]\s*[\"']?)"
            r"[^\s\"'&,;}]{3,}"
        ),
        r"\1\2" + MASK,
    ),
    (re.compile(r"\b(sk|hf|pk|rk)[-_][A-Za-z0-9_-]{12,}"), MASK),
]


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with secrets (known values and recognisable shapes) replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


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


def redact_tree(obj):
    """A copy of a JSON-like tree with :func:`redact` applied to every string in it."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {k: redact_tree(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_tree(v) for v in obj]
    return obj
