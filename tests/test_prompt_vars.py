"""Template variables with defaults, set from config (judge.vars), refused by `prompts validate`
when nothing fills them; results record prompts as id@version + content hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from zsvad.backends.fakes import FakeLLM
from zsvad.cli.main import main
from zsvad.config.judge import JudgeConfig
from zsvad.configure import load_config
from zsvad.errors import ConfigError
from zsvad.judge.judge import Judge
from zsvad.pipeline.core import Pipeline, WindowInput
from zsvad.prompts.loader import load_prompt_file

BASE = Path("prompts/judge/yesno_logprob.yaml").read_text()
SITE = BASE.replace(
    "Does the moment marked",
    "The camera watches {{ site }}. Does the moment marked",
).replace(
    "variables:\n",
    "variables:\n  - name: site\n    description: where the camera is\nDEFAULT",
)


def _template(tmp_path, default: str = "", name: str = "site.yaml") -> Path:
    text = SITE.replace("id: yesno_logprob", "id: site_prompt").replace("DEFAULT", default)
    path = tmp_path / name
    path.write_text(text)
    return path


class Recording(FakeLLM):
    def __init__(self):
        super().__init__()
        self.users: list[str] = []

    def generate(self, requests):
        self.users += [r.user for r in requests]
        return super().generate(requests)


def _judge(path, **cfg):
    llm = Recording()
    judge = Judge(JudgeConfig(backend="fake", prompt=str(path), cache=False, **cfg), llm=llm)
    judge.score([WindowInput(0.0, 2.0, "A man climbs the fence.")])
    return llm.users[0]


def test_default_then_config_value_fill_the_variable(tmp_path):
    path = _template(tmp_path, default="    default: a shop\n")
    assert "The camera watches a shop." in _judge(path)
    assert "The camera watches a parking lot." in _judge(path, vars={"site": "a parking lot"})


def test_variable_nothing_fills_is_refused(tmp_path, capsys):
    path = _template(tmp_path)
    with pytest.raises(ConfigError, match="site .* have no default.*judge.vars.site"):
        _judge(path)
    assert "The camera watches a depot." in _judge(path, vars={"site": "a depot"})
    assert main(["prompts", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "site.yaml" in err and "variable(s) site" in err and "no default" in err
    ok = _template(tmp_path, default="    default: a shop\n", name="ok.yaml")
    assert main(["prompts", "validate", str(ok)]) == 0
    assert main(["prompts", "validate"]) == 0  # the bundled templates all pass


def test_set_judge_vars_from_the_command_line(tmp_path):
    cfg = load_config("tiny", overrides=['judge.vars.site="a parking lot"'])
    assert cfg.judge.vars == {"site": "a parking lot"}


def test_results_record_prompt_id_version_and_hash(tmp_path):
    path = _template(tmp_path, default="    default: a shop\n")
    overrides = ["judge.backend=fake", "judge.model=fake-llm", f"judge.prompt={path}"]
    pipe = Pipeline(load_config("tiny", overrides=overrides))
    res = pipe.score_windows("v", 10.0, 40, [WindowInput(0.0, 2.0, "A man climbs the fence.")])
    t = load_prompt_file(path)
    assert res.provenance.prompts == [f"site_prompt@1 sha256:{t.content_hash}"]
    path.write_text(path.read_text().replace("a shop", "a bank"))
    assert load_prompt_file(path).content_hash != t.content_hash  # same id@version, new content
