"""Prompt templates: shipped ones validate; broken ones fail naming file, field and line."""

from __future__ import annotations

import textwrap

import pytest

from zsvad.prompts import PromptError, load_prompt, load_prompt_file, render_prompt
from zsvad.prompts.loader import find_prompts, resolve_prompt, validate_path

GOOD = """\
id: demo
version: 1
description: a demo
system: You judge.
user: |
  {% for c in captions %}
  {{ c.text }}
  {% endfor %}
  Anomalous?
variables:
  - name: captions
    description: window
output:
  type: choices
  choices: ["yes", "no"]
  positive: "yes"
"""

CAPS = [{"start": 0.0, "end": 2.0, "text": "a man runs", "target": True}]


def write(tmp_path, text, name="p.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path) -> PromptError:
    with pytest.raises(PromptError) as info:
        load_prompt_file(path)
    return info.value


def test_every_shipped_prompt_validates():
    ok, errors = validate_path()
    assert not errors, errors
    ids = {load_prompt_file(p).id for p in ok}
    assert {"yesno_logprob", "yesno_evidence", "custom_anomalies", "lavad_rating"} <= ids


def test_good_template_renders(tmp_path):
    t = load_prompt_file(write(tmp_path, GOOD))
    r = render_prompt(t, {"captions": CAPS, "unused": 1})
    assert r.user.splitlines() == ["a man runs", "Anomalous?"]
    assert r.system == "You judge."
    assert len(r.text_hash) == 64


def test_missing_variable_at_render_names_it(tmp_path):
    t = load_prompt_file(write(tmp_path, GOOD))
    with pytest.raises(PromptError, match="captions"):
        render_prompt(t, {})


def test_undeclared_variable_names_file_field_and_line(tmp_path):
    path = write(tmp_path, GOOD.replace("{{ c.text }}", "{{ c.text }} {{ scene }}"))
    err = error_of(path)
    assert err.source == str(path)
    assert "field 'user'" in str(err) and "scene" in str(err)
    assert err.line == 7  # the line of {{ scene }} inside the block scalar


def test_unknown_key_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, GOOD + "temperature: 0.3\n")
    err = error_of(path)
    assert "unknown field 'temperature'" in str(err)
    assert err.line == 17


def test_unknown_nested_key(tmp_path):
    err = error_of(write(tmp_path, GOOD.replace("  seed", "") + "generation:\n  top_p: 0.9\n"))
    assert "generation.top_p" in str(err) and err.line == 18


@pytest.mark.parametrize(
    "output, message",
    [
        ('  type: choices\n  choices: ["yes", "no"]\n  positive: "maybe"\n', "positive"),
        ('  type: choices\n  choices: ["yes"]\n  positive: "yes"\n', "at least two"),
        ("  type: json\n  schema: {type: object, properties: {reason: {type: string}}}\n", "score"),
        ('  type: regex\n  regex: "score (\\\\d"\n', "invalid regular expression"),
        ('  type: regex\n  regex: "score \\\\d"\n', "group"),
        ("  type: text\n  choices: [a, b]\n", "only to type choices"),
        ("  type: probability\n", "type"),
    ],
)
def test_bad_output_spec(tmp_path, output, message):
    text = GOOD.split("output:")[0] + "output:\n" + output
    err = error_of(write(tmp_path, text))
    assert "output" in str(err) and message in str(err)
    assert err.line is not None and err.line >= 13


@pytest.mark.parametrize(
    "expr",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ captions.__init__.__globals__ }}",
        "{{ captions['__class__'] }}",
        "{{ lipsum }}",
    ],
)
def test_python_internals_are_refused(tmp_path, expr):
    err = error_of(write(tmp_path, GOOD.replace("Anomalous?", f"Anomalous? {expr}")))
    assert "field 'user'" in str(err)
    assert err.line == 9


def test_sandbox_blocks_dynamic_access_at_render(tmp_path):
    # attr() with a computed name escapes the static check; the sandbox still refuses it.
    text = GOOD.replace("Anomalous?", "{{ captions | attr('_' ~ '_class_' ~ '_') }}")
    t = load_prompt_file(write(tmp_path, text))
    with pytest.raises(PromptError, match="sandbox|unsafe|undefined"):
        render_prompt(t, {"captions": CAPS})


def test_executable_yaml_tags_are_refused(tmp_path):
    err = error_of(write(tmp_path, GOOD + "extra: !!python/object/apply:os.system ['true']\n"))
    assert "invalid YAML" in str(err) and err.line == 17


def test_find_by_id_and_version(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    (tmp_path / "sub").mkdir()
    write(tmp_path, GOOD.replace("version: 1", "version: 2"), "sub/b.yaml")
    t, path = resolve_prompt("demo", tmp_path)
    assert t.version == "2" and path.name == "b.yaml"
    assert resolve_prompt("demo@1", tmp_path)[1].name == "a.yaml"
    with pytest.raises(PromptError, match="no version 3"):
        resolve_prompt("demo@3", tmp_path)
    with pytest.raises(PromptError, match="unknown prompt 'nope'"):
        resolve_prompt("nope", tmp_path)


def test_duplicate_id_version_is_an_error(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    index = find_prompts(tmp_path)
    assert len(index.errors) == 1 and "also defined" in str(next(iter(index.errors.values())))


def test_bundled_prompt_by_id():
    t = load_prompt("yesno_logprob")
    assert t.output.type == "choices" and t.output.positive == "yes"
    assert t.generation.temperature == 0.0
