"""Third-party telemetry off: the one place where zsvad stops its dependencies phoning home.

zsvad reads surveillance footage; nothing may leave the machine unless the user configured it
(a hub model asked for by name, an LLM or webhook server). Some dependencies send usage data by
default, and some decide by looking for ``CI=true``, which a user's machine does not set.
:func:`telemetry_off` switches each off *before* the library is imported (most read their
setting once, at import); it runs when ``zsvad`` is imported, before every lazy import
(:func:`zsvad.extras.require`) and at the start of the CLI, and is cheap to call again.

What it does (checked by ``tests/test_telemetry.py``; see ``docs/security.md``):

- OpenVINO: ``import openvino`` starts ``openvino_telemetry``, which writes a client id under
  ``$HOME/intel`` and forks a process that resolves and posts to Google Analytics (the fork can
  deadlock, and the interpreter then waits for it at exit). ``openvino_telemetry`` is marked
  unimportable, so OpenVINO uses its own no-op stub; OpenVINO works unchanged.
- huggingface_hub / transformers / sentence-transformers: ``HF_HUB_DISABLE_TELEMETRY=1``.
- Ray (``--runner ray``, Ray Data): ``RAY_USAGE_STATS_ENABLED=0``, ``RAY_DATA_USAGE_DISABLED=1``.
- vLLM: ``VLLM_NO_USAGE_STATS=1``; and ``DO_NOT_TRACK=1``, the convention several libraries
  (huggingface_hub and vLLM among them) honour.
- onnxruntime (1.29 and later): at start-up its 1DS telemetry writes a device id under
  ``$HOME/.cache/Microsoft`` and posts to ``mobile.events.data.microsoft.com`` from native code;
  ``ORT_DISABLE_TELEMETRY=1`` stops all of it. Its runtime switch
  (``disable_telemetry_events``) is called too once it is imported.
"""

from __future__ import annotations

import os
import sys

#: environment variables set (overriding any value) before a library that reads them is imported
ENV: dict[str, str] = {
    "DO_NOT_TRACK": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_USAGE_STATS_PROMPT_ENABLED": "0",
    "RAY_DATA_USAGE_DISABLED": "1",
    "VLLM_NO_USAGE_STATS": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
}

#: modules made unimportable (their library falls back to a no-op stub when they are missing)
BLOCKED_MODULES: tuple[str, ...] = ("openvino_telemetry",)


def telemetry_off() -> None:
    """Switch off the telemetry of every dependency known to send any (idempotent, fast).

    A library already imported before zsvad keeps what it read at import; those that read their
    setting later (huggingface_hub's constant, onnxruntime's events) are switched off too.
    """
    for key, value in ENV.items():
        if os.environ.get(key) != value:
            os.environ[key] = value
    for name in BLOCKED_MODULES:
        if name not in sys.modules:  # None in sys.modules: ``import name`` raises ImportError
            sys.modules[name] = None  # type: ignore[assignment]
    hub = sys.modules.get("huggingface_hub.constants")
    if hub is not None and not getattr(hub, "HF_HUB_DISABLE_TELEMETRY", True):
        hub.HF_HUB_DISABLE_TELEMETRY = True
    ort = sys.modules.get("onnxruntime")
    disable = getattr(ort, "disable_telemetry_events", None)
    if callable(disable) and not getattr(ort, "_zsvad_telemetry_off", False):
        disable()
        ort._zsvad_telemetry_off = True
