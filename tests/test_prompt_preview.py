"""``zsvad prompts render`` renders exactly what ``zsvad score`` sends the judge: every shipped
judge template, previewed window by window, against the messages a fake-judge run logged."""

from __future__ import annotations

import json

import pytest
from caption_rows import caption

from zsvad.cli.main import main
from zsvad.prompts.loader import find_prompts, prompts_root

#: what each shipped template needs set to run (the same settings preview and run get)
NEEDS = {
    "custom_anomalies": ["--set", 'judge.anomalies=["cash theft", "a fire"]'],
    "event_yesno": ["--set", "events.judge=events"],
    "lavad_rating": ["--set", "judge.span=2"],
}

ROWS = [
    caption("shop", 0, 2, "A man walks into the shop.", num_frames=200),
    caption("shop", 2, 4, "He grabs the cash register and hits the clerk.", num_frames=200),
    caption("shop", 4, 6, "He runs out of the door.", num_frames=200),
    caption("shop", 6, 8, "The clerk calls the police.", num_frames=200),
    caption("shop", 8, 20, "The street outside is quiet.", num_frames=200),
    caption("park", 0, 3, "Children play in the park.", num_frames=60),
    caption("park", 3, 6, "A fire starts near a bench and people run.", num_frames=60),
]


def shipped_judge_templates() -> list[str]:
    index = find_prompts(prompts_root())
    return sorted(pid for pid in index.by_id if not pid.startswith("memory/"))


def parse_preview(out: str) -> dict[str, dict[str, str]]:
    """``{step: {system, user}}`` of ``prompts render`` output (step judge or summary)."""
    steps: dict[str, dict[str, str]] = {}
    key = None
    for line in out.splitlines(keepends=True)[1:]:  # the first line is the title
        if line.startswith("## "):
            head = line[3:].strip()
            step = "summary" if head.startswith("summary step: ") else "judge"
            key = (step, head.rsplit(" ", 1)[-1])
            steps.setdefault(step, {})[key[1]] = ""
            continue
        steps[key[0]][key[1]] += line
    return {s: {k: v[:-1] for k, v in m.items()} for s, m in steps.items()}  # print's newline


def run_and_preview(tmp_path, capsys, caps, template: str, extra: list[str]):
    """Score with the fake judge logging samples, then preview every logged window."""
    name = template.rsplit("/", 1)[-1].removesuffix(".yaml")
    samples = tmp_path / f"{name}.jsonl"
    setting = ["--profile", "tiny", *extra]
    if template == "window_summary":  # a text template is a summary step, before the default
        setting += ["--set", "judge.summary_prompt=window_summary"]
        run = []
    else:
        run = ["--prompt", template]
    args = ["score", "--captions", str(caps), "--out", str(tmp_path / name), "--quiet"]
    assert main([*args, "--judge", "fake", *run, "--log-samples", str(samples), *setting]) == 0
    capsys.readouterr()
    logged = [json.loads(line) for line in samples.read_text().splitlines()]
    assert logged, "the run logged no sample"
    for s in logged:
        cmd = ["prompts", "render", template, "--captions", str(caps), "--video", s["video_id"]]
        assert main([*cmd, "--window", str(s["window"]), *setting]) == 0
        shown = parse_preview(capsys.readouterr().out)[s["step"]]
        yield s, shown


@pytest.mark.parametrize("template", shipped_judge_templates())
def test_every_shipped_template_previews_as_it_runs(template, write_captions, tmp_path, capsys):
    caps = write_captions(ROWS)
    compared = 0
    for s, shown in run_and_preview(tmp_path, capsys, caps, template, NEEDS.get(template, [])):
        if template == "window_summary" and s["step"] == "judge":
            continue  # its answer (the fake LLM's) feeds the judge prompt: not previewable
        assert shown["user"] == s["user"], (template, s["video_id"], s["window"])
        assert shown.get("system", "") == (s["system"] or "")
        compared += 1
    assert compared >= 2


def test_a_new_variable_renders_with_its_default_and_with_set(write_captions, tmp_path, capsys):
    """The issue's case: a copied template with a variable ``site`` (default "a street")."""
    source = (prompts_root() / "judge" / "yesno_logprob.yaml").read_text()
    copied = source.replace("id: yesno_logprob", "id: site_yesno").replace(
        "user: |\n", "user: |\n  This camera watches {{ site }}.\n", 1
    )
    site = '  - name: site\n    description: "where the camera is"\n    default: "a street"\n'
    copied = copied.replace("\nvariables:\n", "\nvariables:\n" + site, 1)
    path = tmp_path / "site_yesno.yaml"
    path.write_text(copied)
    assert main(["prompts", "validate", str(path)]) == 0
    caps = write_captions(ROWS)
    capsys.readouterr()
    render = ["prompts", "render", str(path), "--captions", str(caps), "--window", "1"]
    assert main([*render, "--profile", "tiny"]) == 0
    assert "This camera watches a street." in capsys.readouterr().out
    for extra in ([], ["--set", "judge.vars.site=a parking lot"]):
        name = f"site{len(extra)}"
        pairs = list(run_and_preview(tmp_path / name, capsys, caps, str(path), extra))
        assert pairs and all(shown["user"] == s["user"] for s, shown in pairs)
        want = "a parking lot" if extra else "a street"
        assert f"This camera watches {want}." in pairs[0][1]["user"]


def test_memory_templates_are_not_judge_previews(write_captions, capsys):
    caps = write_captions(ROWS)
    assert main(["prompts", "render", "memory/captions", "--captions", str(caps)]) == 2
    assert "memory generate" in capsys.readouterr().err
