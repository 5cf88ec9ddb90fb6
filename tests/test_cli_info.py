"""zsvad.cli.info: ``zsvad info --options`` lists what each backend takes."""

from __future__ import annotations

import subprocess
import sys

from zsvad.cli.main import main


def test_info_options_lists_each_backends_fields_and_options(capsys):
    assert main(["info", "--options"]) == 0
    lines = capsys.readouterr().out.splitlines()
    by_backend = dict(line.split(": ", 1) for line in lines if ".backend=" in line)
    assert "gpu_memory_utilization" in by_backend["captioner.backend=vllm"]
    assert "gpu_memory_utilization" not in by_backend["captioner.backend=transformers"]
    openai = by_backend["judge.backend=openai"]
    assert openai.startswith("model, revision, base_url; options: ")
    assert "max_retries=3" in openai and "gguf_file" not in openai
    assert by_backend["embedder.backend=static"] == "model, revision"


def test_plain_info_imports_no_backend_module():
    code = (
        "import sys; from zsvad import registry; from zsvad.cli.main import main; main(['info']); "
        "print([t for k in registry.BACKENDS.values() for t in k.values() "
        "if t.partition(':')[0] in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
