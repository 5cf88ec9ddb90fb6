"""``zsvad captions import``: URF / VADTree and LAVAD per-video JSON → captions JSONL."""

import json

import pytest

from zsvad.cli.main import main
from zsvad.errors import InputError
from zsvad.io.captions import read_captions
from zsvad.io.captions_import import import_captions


def _write(folder, name, obj):
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def test_urf_frames_become_intervals(tmp_path):
    d = tmp_path / "caps"
    _write(d, "Assault_1.json", {"16": "He hits him.", "0": "A man attacks.", "32": " "})
    rows = import_captions(d, "urf", 16.0).rows
    assert [(r["start"], r["end"], r["text"]) for r in rows] == [
        (0.0, 1.0, "A man attacks."),
        (1.0, 2.0, "He hits him."),  # the empty caption at 32 is skipped
    ]
    assert {r["num_frames"] for r in rows} == {48}  # last key + the step
    lst = _write(tmp_path, "test.txt", "Assault/Assault_1 0 39 3\n")
    rows = import_captions(d, "urf", 16.0, lst).rows
    assert rows[-1]["num_frames"] == 40


def test_lavad_nested_and_cli_output_reads_back(tmp_path, capsys):
    d = tmp_path / "caps"
    nested = {"0": {"3": "A quiet street.", "7": "A quiet street.", "12": "A car."}, "16": "x"}
    _write(d, "N_2.mp4.json", nested)
    out = tmp_path / "c.jsonl"
    code = main(
        ["captions", "import", "--format", "lavad", str(d), "--fps", "8", "--out", str(out)]
    )
    assert code == 0 and "2 caption(s) of 1 video(s)" in capsys.readouterr().out
    parsed = read_captions(out)
    assert not parsed.errors
    video = parsed.videos["N_2"]
    assert [c.text for c in video.captions] == ["A quiet street. A car.", "x"]
    assert video.num_frames == 32 and video.fps == 8


@pytest.mark.parametrize(
    "content,fmt,msg",
    [
        ('{"0": "a",\n "x": "b"}', "urf", "key 'x' is not a frame index"),
        ('{"0": {"1": "a"}}', "urf", "caption at frame 0 is not a string"),
        ('{"0": "a",\n', "urf", r"V.json:2: not valid JSON"),
        ("[]", "lavad", "expected a non-empty object"),
        ('{"-16": "a"}', "lavad", "negative frame index"),
    ],
)
def test_bad_files_name_file_and_problem(tmp_path, content, fmt, msg):
    d = tmp_path / "caps"
    _write(d, "V.json", content)
    with pytest.raises(InputError, match=msg) as err:
        import_captions(d, fmt, 30.0)
    assert "V.json" in str(err.value)


def test_list_mismatches(tmp_path):
    d = tmp_path / "caps"
    _write(d, "V.json", {"0": "a", "64": "b"})
    lst = _write(tmp_path, "test.txt", "W 0 99 1\n")
    with pytest.raises(InputError, match="V.json: video 'V' is not in the test list"):
        import_captions(d, "urf", 30.0, lst)
    lst.write_text("V 0 50 1\n")
    with pytest.raises(InputError, match="V.json: caption at frame 64 lies past"):
        import_captions(d, "urf", 30.0, lst)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="empty: no <video>.json"):
        import_captions(empty, "urf", 30.0)
