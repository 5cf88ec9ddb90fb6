"""The layering contract (pyproject.toml [tool.importlinter], docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def contract() -> dict:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c for c in data["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    return layers


def test_the_layers_name_every_package_and_module_of_zsvad_once():
    named = [n.strip() for line in contract()["layers"] for n in line.split("|")]
    found = sorted(
        p.stem if p.is_file() else p.name
        for p in (ROOT / "zsvad").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    )
    assert sorted(named) == found
    assert contract()["ignore_imports"] == []  # no upward import is excused


def test_the_layers_contract_holds_and_catches_an_upward_import(tmp_path):
    pytest.importorskip("importlinter", reason="the dev extra installs import-linter")
    cmd = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
    ok = subprocess.run([*cmd, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout[-2000:]
    # the same contract over a copy where config imports the pipeline: broken, and said so
    copy = tmp_path / "zsvad"
    subprocess.run(["cp", "-r", str(ROOT / "zsvad"), str(copy)], check=True)
    base = copy / "config" / "base.py"
    base.write_text(base.read_text(encoding="utf-8") + "\nimport zsvad.pipeline.core\n")
    (tmp_path / "pyproject.toml").write_text(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    bad = subprocess.run([*cmd, "--no-cache"], cwd=tmp_path, capture_output=True, text=True)
    assert bad.returncode != 0
    assert "zsvad.config is not allowed to import zsvad.pipeline" in bad.stdout
