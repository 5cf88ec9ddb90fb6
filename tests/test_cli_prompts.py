"""``zsvad prompts`` and the judge options of ``zsvad score`` / ``zsvad eval``."""

from __future__ import annotations

import re

from caption_rows import caption

from zsvad.cli.main import main
from zsvad.results.io import read_result


def test_ls_show_validate(capsys, tmp_path):
    assert main(["prompts", "ls"]) == 0
    out = capsys.readouterr().out
    assert "yesno_logprob" in out and "lavad_rating" in out and "json" in out
    assert main(["prompts", "show", "yesno_evidence"]) == 0
    assert "neighbours" in capsys.readouterr().out
    assert main(["prompts", "validate"]) == 0
    assert "0 invalid" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\ndescription: d\nuser: hi\noutput: {type: choices}\n")
    assert main(["prompts", "validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:5: field 'output'" in err and "needs 'choices'" in err


def test_unknown_prompt_is_a_one_line_error(capsys):
    assert main(["prompts", "show", "nope"]) == 2
    assert "unknown prompt 'nope'" in capsys.readouterr().err


def test_render_a_window(write_captions, capsys):
    rows = [
        caption("v", 0, 2, "A man walks in."),
        caption("v", 2, 4, "He grabs the cash register."),
        caption("v", 4, 6, "He runs out."),
    ]
    caps = write_captions(rows)
    assert (
        main(["prompts", "render", "yesno_logprob", "--captions", str(caps), "--window", "1"]) == 0
    )
    out = capsys.readouterr().out
    assert "## system" in out
    assert "-> [2s-4s] He grabs the cash register." in out and "[4s-6s] He runs out." in out
    args = ["prompts", "render", "custom_anomalies", "--captions", str(caps)]
    assert main([*args, "--set", 'judge.anomalies=["cash theft"]']) == 0
    assert "- cash theft" in capsys.readouterr().out


def test_score_with_and_without_judge_then_compare(write_captions, tmp_path, capsys):
    rows = [
        caption("fight", 0, 4, "People walk in the park.", num_frames=100),
        caption("fight", 4, 8, "A man punches another man and they fight.", num_frames=100),
        caption("calm", 0, 5, "A woman buys bread.", num_frames=100),
        caption("calm", 5, 10, "People walk in the park.", num_frames=100),
    ]
    caps = write_captions(rows)
    base = ["score", "--captions", str(caps), "--profile", "tiny", "--quiet"]
    assert main([*base, "--out", str(tmp_path / "none"), "--judge", "none"]) == 0
    assert (
        main([*base, "--out", str(tmp_path / "llm"), "--judge", "fake", "--judge-model", "f"]) == 0
    )
    judged = read_result(tmp_path / "llm" / "fight.json")
    assert "judge" in judged.windows[1].scores
    assert "judge" not in read_result(tmp_path / "none" / "fight.json").windows[1].scores
    ann = tmp_path / "ann.txt"
    ann.write_text("fight Fighting 40 79 -1 -1\ncalm Normal -1 -1 -1 -1\n")
    capsys.readouterr()
    dirs = [str(tmp_path / "none"), str(tmp_path / "llm")]
    assert main(["eval", "--annotations", str(ann), "--scores", *dirs]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "judged" in lines[0] and "fails" in lines[0] and "s/win" in lines[0]
    row_none = next(x for x in lines if x.startswith(dirs[0] + " "))
    row_llm = next(x for x in lines if x.startswith(dirs[1]))
    cells = {d: dict(zip(re.split(r"\s{2,}", lines[0].strip()), re.split(r"\s{2,}", row)))
             for d, row in zip(dirs, (row_none, row_llm))}  # fmt: skip
    assert [cells[dirs[0]][c] for c in ("judged", "fails", "s/win")] == ["-", "-", "-"]
    assert [cells[dirs[1]][c] for c in ("judged", "fails")] == ["4", "0"]
