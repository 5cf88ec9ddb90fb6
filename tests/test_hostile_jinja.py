"""Prompt templates cannot exhaust time or memory when rendered, nor pull in other files
(issue 14, class 2): every render is bounded in work, output size and time."""

from __future__ import annotations

import resource
import time

import pytest

from zsvad.cli.main import main
from zsvad.prompts import PromptError, load_prompt_file, render_prompt
from zsvad.prompts.sandbox import RenderLimits

HEAD = """\
id: bomb
version: 1
description: hostile
variables:
  - name: captions
    description: window
output:
  type: choices
  choices: ["yes", "no"]
  positive: "yes"
user: |
"""

BOMBS = {
    "string product": "{{ 'x' * 10**8 }}",
    "product via a variable": "{% set n = 10**8 %}{{ 'x' * n }}",
    "huge power": "{% set n = 10**4 %}{{ 7 ** n }}",
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
    "{% endfor %}",
    "loop repeating text": "{% for i in range(100000) %}{% for j in range(1000) %}xxxxxxxxxx"
    "{% endfor %}{% endfor %}",
    "range over the sandbox cap": "{% for i in range(10**9) %}{% endfor %}",
    "recursive macro": "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "branching recursion": "{% macro f(n) %}{% for i in range(3) %}{{ f(n) }}{% endfor %}"
    "{% endmacro %}{{ f(1) }}",
    "doubling with ~": "{% set a = 'x' * 100000 %}{% set b = a ~ a %}{% set c = b ~ b %}"
    "{% set d = c ~ c %}{% set e = d ~ d %}{% set f = e ~ e %}{{ f ~ f }}",
    "doubling in a namespace": "{% set ns = namespace(x='y') %}{% for i in range(99) %}"
    "{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x }}",
    "center filter": "{{ 'x' | center(10**9) }}",
    "ljust method": "{{ 'x'.ljust(10**9) }}",
    "format width": "{{ '%0999999999d' | format(1) }}",
    "percent width": "{{ '%0999999999d' % 1 }}",
    "str.format width": "{{ '{:>999999999}'.format(1) }}",
    "nested list literals": "{% set a = 'x' * 100000 %}{% set b = [a,a,a,a,a,a,a,a,a,a] %}"
    "{% set c = [b,b,b,b,b,b,b,b,b,b] %}{% set d = [c,c,c,c,c,c,c,c,c,c] %}{{ d }}",
    "join of repeated refs": "{% set a = 'x' * 10000 %}{{ ([a] * 1000) | join }}",
    "join separator amplifier": "{{ range(100000) | map('string') | join('x' * 100) }}",
    "replace amplifier": "{% set a = 'x' * 100000 %}{{ a | replace('x', a) }}",
    "indent amplifier": "{% set a = '\\n' * 100000 %}{{ a | indent(1000) }}",
    "captured block": "{% set a = 'x' * 100000 %}{% set b %}{% for i in range(100000) %}"
    "{{ a }}{% endfor %}{% endset %}{{ b | length }}",
    "type error": "{{ 1 + 'a' }}",
}


def _template(tmp_path, body: str):
    path = tmp_path / "bomb.yaml"
    path.write_text(HEAD + "  " + body.replace("\n", "\n  ") + "\n", encoding="utf-8")
    return load_prompt_file(path)


@pytest.mark.parametrize("body", list(BOMBS.values()), ids=list(BOMBS))
def test_bomb_is_a_one_line_prompt_error_in_bounded_time_and_memory(tmp_path, body):
    template = _template(tmp_path, body)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    with pytest.raises(PromptError) as info:
        render_prompt(template, {"captions": []})
    assert time.monotonic() - t0 < 15  # the deadline (10 s) is the last resort
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    assert grown_mb < 200
    message = str(info.value)
    assert "\n" not in message and "prompt 'bomb' v1: user:" in message


def test_limits_can_be_set_per_render(tmp_path):
    template = _template(tmp_path, "{% for i in range(50) %}{{ i }},{% endfor %}")
    assert render_prompt(template, {"captions": []}).user.startswith("0,1,2,")
    with pytest.raises(PromptError, match="more than 10 steps"):
        render_prompt(template, {"captions": []}, RenderLimits(max_steps=10))
    with pytest.raises(PromptError, match="more than 20 characters"):
        render_prompt(template, {"captions": []}, RenderLimits(max_output_chars=20))
    with pytest.raises(PromptError, match="longer than"):
        render_prompt(template, {"captions": []}, RenderLimits(deadline_s=-1))


def test_ordinary_templates_still_render(tmp_path):
    body = (
        "{% for c in captions %}{{ loop.index }}. [{{ '%.1f' % c.start }} s] "
        "{{ c.text | trim | upper }}{{ '!' ~ '' }}\n{% endfor %}"
        "{{ captions | map(attribute='text') | join(', ') }} {{ 'x' * 3 }} {{ 2 ** 10 }}"
    )
    template = _template(tmp_path, body)
    caps = [{"start": 0.0, "end": 2.0, "text": "a man runs"}]
    out = render_prompt(template, {"captions": caps}).user
    assert out == "1. [0.0 s] A MAN RUNS!\na man runs xxx 1024"


@pytest.mark.parametrize(
    "tag",
    [
        "{% include 'other.yaml' %}",
        "{% import 'macros.j2' as m %}",
        "{% from 'macros.j2' import m %}",
        "{% extends '/etc/passwd' %}",
    ],
)
def test_include_import_extends_are_refused_at_validate_time(tmp_path, capsys, tag):
    path = tmp_path / "p.yaml"
    path.write_text(HEAD + "  hello\n  " + tag + "\n", encoding="utf-8")
    with pytest.raises(PromptError) as info:
        load_prompt_file(path)
    assert f"{path}:13: field 'user'" in str(info.value)
    assert "is not allowed" in str(info.value)
    assert main(["prompts", "validate", str(path)]) == 1
    assert "is not allowed" in capsys.readouterr().err
