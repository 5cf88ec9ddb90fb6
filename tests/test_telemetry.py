"""Third-party telemetry is off wherever zsvad loads a library that sends any, without ``CI``
being set: OpenVINO writes nothing under ``$HOME`` and resolves no host (the socket guard of
the suite fails the test if anything connects or resolves off the machine, in any process)."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: what openvino_telemetry (and others) read as "running in CI": a user's machine sets none
CI_VARS = ("CI", "TF_BUILD", "JENKINS_URL")


def _run(code: str, home: Path, **env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in CI_VARS}
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ["PYTHONPATH"]])
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**base, "HOME": str(home), **env},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_openvino_loaded_by_zsvad_sends_nothing_and_writes_nothing_in_home(tmp_path):
    pytest.importorskip("openvino")
    home = tmp_path / "home"
    home.mkdir()
    got = _run(
        """
        import json, sys
        from zsvad.extras import require
        ov = require("openvino", "a test")
        ov.Core()  # the runtime works
        from openvino.tools.ovc import telemetry_utils
        print(json.dumps({"module": sys.modules.get("openvino_telemetry") is None,
                          "stub": telemetry_utils.tm.__name__}))
        """,
        home,
    )
    assert got == {"module": True, "stub": "openvino.tools.ovc.telemetry_stub"}
    assert list(home.iterdir()) == []  # no $HOME/intel (client id, stats, consent)


def test_hub_ray_and_vllm_usage_stats_are_off_even_when_the_user_turned_them_on(tmp_path):
    pytest.importorskip("huggingface_hub")
    got = _run(
        """
        import json, os
        import zsvad
        import huggingface_hub.constants as hub
        keys = ("HF_HUB_DISABLE_TELEMETRY", "RAY_USAGE_STATS_ENABLED", "VLLM_NO_USAGE_STATS",
                "DO_NOT_TRACK")
        print(json.dumps({"hub": hub.HF_HUB_DISABLE_TELEMETRY,
                          **{k: os.environ.get(k) for k in keys}}))
        """,
        tmp_path,
        HF_HUB_DISABLE_TELEMETRY="0",
        RAY_USAGE_STATS_ENABLED="1",
    )
    assert got == {
        "hub": True,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "RAY_USAGE_STATS_ENABLED": "0",
        "VLLM_NO_USAGE_STATS": "1",
        "DO_NOT_TRACK": "1",
    }


def test_a_library_imported_before_zsvad_is_switched_off_where_it_can_be(monkeypatch):
    hub = pytest.importorskip("huggingface_hub.constants")
    from zsvad.telemetry import telemetry_off

    monkeypatch.setattr(hub, "HF_HUB_DISABLE_TELEMETRY", False)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "0")
    telemetry_off()
    assert hub.HF_HUB_DISABLE_TELEMETRY is True
    assert os.environ["HF_HUB_DISABLE_TELEMETRY"] == "1"
    assert sys.modules["openvino_telemetry"] is None


NATIVE = """
import json, os, sys
from pathlib import Path
from zsvad.extras import require

onnx = require("onnx", "a test")
h = onnx.helper
graph = h.make_graph(
    [h.make_node("Identity", ["x"], ["y"])], "g",
    [h.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
    [h.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])],
)
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])
model.ir_version = 8
path = Path(sys.argv[1]) / "identity.onnx"
onnx.save(model, path)
ort = require("onnxruntime", "a test")
ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
ov = require("openvino", "a test")
ov.Core().compile_model(str(path), "CPU")
require("transformers", "a test")
print(json.dumps(sorted(os.listdir(os.environ["HOME"]))))
"""


def _outside_connects(trace: str) -> list[str]:
    """``connect`` calls of an ``strace -e trace=connect`` log to a non-loopback address."""
    out = []
    for line in trace.splitlines():
        m = re.search(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"', line)
        if m and not ipaddress.ip_address(m.group(1) or m.group(2)).is_loopback:
            out.append(line)
    return out


def test_native_code_of_onnxruntime_and_openvino_connects_nowhere(tmp_path):
    """The Python socket guard cannot see native code (onnxruntime's 1DS uploader resolves its
    host from C++); ``strace`` sees every ``connect`` of every thread and child."""
    for module in ("onnx", "onnxruntime", "openvino", "transformers"):
        pytest.importorskip(module)
    strace = shutil.which("strace")
    usable = strace and subprocess.run([strace, "-o", os.devnull, "true"]).returncode == 0
    if not usable:
        msg = "strace missing or not permitted (apt-get install -y strace)"
        if os.environ.get("ZSVAD_CI_STRICT") == "1" or os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    home = tmp_path / "home"
    home.mkdir()
    log = tmp_path / "connect.log"
    base = {k: v for k, v in os.environ.items() if k not in CI_VARS}
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ["PYTHONPATH"]])
    cmd = [strace, "-f", "-qq", "-e", "trace=connect", "-o", str(log),
           sys.executable, "-c", NATIVE, str(tmp_path)]  # fmt: skip
    done = subprocess.run(
        cmd, env={**base, "HOME": str(home)}, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []  # nothing under $HOME
    assert _outside_connects(log.read_text()) == []
