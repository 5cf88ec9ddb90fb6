"""Resource bombs and non-finite numbers in configs and prompt templates are refused."""

from __future__ import annotations

import pytest

from zsvad.configure import load_config
from zsvad.errors import ConfigError
from zsvad.prompts.loader import PromptError, load_prompt_file

BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]
"""


def test_alias_bomb_in_config_is_refused_with_line(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    with pytest.raises(ConfigError, match="aliases.*not allowed") as info:
        load_config(files=[path])
    assert str(path) in str(info.value) and ":2" in str(info.value)


def test_single_alias_in_config_is_refused(tmp_path):
    path = tmp_path / "alias.yaml"
    path.write_text("retrieval: &r {k: 5}\ntemporal: *r\n")
    with pytest.raises(ConfigError, match="aliases"):
        load_config(files=[path])


def test_alias_bomb_in_prompt_template_is_refused(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text("id: bomb\nversion: 1\n" + BOMB)
    with pytest.raises(PromptError, match="aliases"):
        load_prompt_file(path)


def test_oversized_config_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("retrieval:\n  k: 5\n" + "# padding\n" * 200_000)
    with pytest.raises(ConfigError, match="limit"):
        load_config(files=[path])


@pytest.mark.parametrize("override", [".inf", "-.inf", ".nan", "1e999"])
def test_non_finite_numbers_are_refused(override):
    with pytest.raises(ConfigError):
        load_config(overrides=[f"temporal.smoothing_sigma_s={override}"])


def test_non_finite_in_config_file_is_refused(tmp_path):
    path = tmp_path / "inf.yaml"
    path.write_text("retrieval:\n  temperature: .inf\n")
    with pytest.raises(ConfigError, match="finite"):
        load_config(files=[path])
