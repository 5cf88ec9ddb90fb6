"""``zsvad judgments import``: URF per-caption and per-frame judgments → judgments JSONL, and the
judgments file reader's rules."""

import json

import numpy as np
import pytest

from zsvad.cli.main import main
from zsvad.errors import InputError
from zsvad.io.judgments import read_judgments
from zsvad.io.judgments_import import import_judgments


def _write(folder, name, obj):
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def _spans(rows):
    return [(r["video_id"], r["start"], r["end"], r["score"]) for r in rows]


def test_urf_keys_cover_their_caption_frames(tmp_path):
    d = tmp_path / "s"
    _write(d, "Fight_1.json", {"16": 0.5, "0": 0.0, "32": 1})  # key order does not matter
    _write(d, "Calm_2.mp4.json", {"0": 0.1})  # one key: the default 16 frames
    done = import_judgments(d, "urf", 16.0, model="llama")
    assert not done.errors and done.videos == 2
    assert _spans(done.rows) == [
        ("Calm_2", 0.0, 1.0, 0.1),
        ("Fight_1", 0.0, 1.0, 0.0),  # frames 0-15: up to the next key
        ("Fight_1", 1.0, 2.0, 0.5),
        ("Fight_1", 2.0, 3.0, 1.0),  # the last: the median step (16 frames)
    ]
    assert {r["model"] for r in done.rows} == {"llama"}
    # --span-frames caps every span; a test list cuts the last one at the video's end
    capped = import_judgments(d, "urf", 16.0, span_frames=8)
    assert _spans(capped.rows)[1:3] == [("Fight_1", 0.0, 0.5, 0.0), ("Fight_1", 1.0, 1.5, 0.5)]
    lst = _write(tmp_path, "test.txt", "Fight/Fight_1 0 39 3\nCalm_2.mp4 0 99 0\n")
    cut = import_judgments(d, "urf", 16.0, test_list=lst)
    assert _spans(cut.rows)[-1] == ("Fight_1", 2.0, 2.5, 1.0)  # 40 frames


def test_urf_spans_match_the_captions_they_judged(tmp_path):
    """A caption keyed 48 at 30 fps spans frames 48-63: so does its judgment."""
    d = tmp_path / "s"
    _write(d, "V.json", {"0": 0.2, "16": 0.3, "32": 0.4, "48": 0.9})
    rows = import_judgments(d, "urf", 30.0).rows
    assert (rows[3]["start"], rows[3]["end"]) == (1.6, round(64 / 30, 6))


def test_frames_npy_and_json_merge_equal_runs(tmp_path):
    d = tmp_path / "f"
    d.mkdir()
    np.save(d / "A.npy", np.array([0.0, 0.0, 0.5, 0.5, 0.5, 1.0], dtype=np.float32))
    _write(d, "B.json", [0.2, 0.2, 0.2, 0.2])
    np.save(d / "C.npy", np.array([[0.1], [0.3]]))  # a column works too
    done = import_judgments(d, "frames", 2.0)
    assert not done.errors
    assert _spans(done.rows) == [
        ("A", 0.0, 1.0, 0.0),
        ("A", 1.0, 2.5, 0.5),
        ("A", 2.5, 3.0, 1.0),
        ("B", 0.0, 2.0, 0.2),
        ("C", 0.0, 0.5, 0.1),
        ("C", 0.5, 1.0, pytest.approx(0.3)),
    ]


@pytest.mark.parametrize(
    "name,content,fmt,msg",
    [
        ("V.json", '{"0": 0.1, "16": NaN}', "urf", "score at frame '16' is nan"),
        ("V.json", '{"0": 0.1, "16": 1e999}', "urf", "score at frame '16' is inf"),
        ("V.json", '{"0": 1.5}', "urf", "score at frame '0' is 1.5: not a finite number in"),
        ("V.json", '{"0": true}', "urf", "score at frame '0' is True"),
        ("V.json", '{"x": 0.1}', "urf", "key 'x' is not a frame index"),
        ("V.json", '{"0": 0.1,\n', "urf", "V.json:2: not valid JSON"),
        ("V.json", "[0.1]", "urf", "expected a non-empty object"),
        ("V.json", "[0.1, Infinity]", "frames", "score of frame 1 is inf"),
        ("V.json", '[0.1, "a"]', "frames", "score of frame 1 is 'a': not a number"),
        ("V.json", "{}", "frames", "expected a JSON list"),
        ("V.npy", "not numpy", "frames", "cannot read judgments file"),
    ],
)
def test_a_bad_file_names_file_and_key_and_spares_the_others(tmp_path, name, content, fmt, msg):
    d = tmp_path / "s"
    _write(d, name, content)
    _write(d, "Good.json", {"0": 0.5} if fmt == "urf" else [0.5])
    done = import_judgments(d, fmt, 10.0)
    assert [r["video_id"] for r in done.rows] == ["Good"]
    assert len(done.errors) == 1
    assert name in str(done.errors[0]) and msg in str(done.errors[0])


def test_hostile_files(tmp_path, monkeypatch):
    import zsvad.io.judgments_import as imp

    d = tmp_path / "s"
    d.mkdir()
    d.joinpath("Deep.json").write_text("[" * 100000 + "]" * 100000)
    np.save(d / "Obj.npy", np.array([{"a": 1}], dtype=object))  # needs pickle: refused
    np.save(d / "Flat.npy", np.zeros((3, 3)))
    d.joinpath("._Hidden.json").write_text("junk")  # macOS resource forks are skipped
    done = import_judgments(d, "frames", 10.0)
    text = "\n".join(map(str, done.errors))
    assert "Deep.json: not valid JSON" in text and "Obj.npy: cannot read judgments file" in text
    assert "Flat.npy: expected a 1-D numeric array" in text
    assert "Hidden" not in text and not done.rows and len(done.errors) == 3
    monkeypatch.setattr(imp, "MAX_FILE_BYTES", 20)
    big = tmp_path / "b"
    _write(big, "Big.json", [0.5] * 20)
    np.save(big / "Big2.npy", np.zeros(20))
    _write(big, "Small.json", [0.5])
    done = import_judgments(big, "frames", 10.0)
    assert [r["video_id"] for r in done.rows] == ["Small"]
    assert all("file over the limit of 20 bytes" in str(e) for e in done.errors)
    assert len(done.errors) == 2
    ctrl = tmp_path / "c"
    _write(ctrl, "A\x01b.json", {"0": 0.5})
    _write(ctrl, "A.json", {"0": 0.5})
    _write(ctrl, "A.mp4.json", {"0": 0.5})  # the same video id as A.json
    done = import_judgments(ctrl, "urf", 10.0)
    assert [r["video_id"] for r in done.rows] == ["A"]
    assert any("video id" in str(e) for e in done.errors)
    assert any("same video as A.json" in str(e) for e in done.errors)


def test_bad_arguments(tmp_path):
    d = tmp_path / "s"
    _write(d, "A.json", {"0": 0.5})
    for args, msg in [
        ((d, "nope", 10.0), "unknown judgments format"),
        ((d, "urf", 0.0), "--fps must be positive"),
        ((tmp_path / "missing", "urf", 10.0), "judgments folder not found"),
        ((tmp_path, "urf", 10.0), "no <video>.json files"),
    ]:
        with pytest.raises(InputError, match=msg):
            import_judgments(*args)


def test_cli_import_writes_a_file_score_reads(tmp_path, capsys):
    d = tmp_path / "s"
    _write(d, "A.json", {"0": 0.5, "16": 0.0})
    _write(d, "B.json", {"0": "x"})
    out = tmp_path / "J.jsonl"
    args = ["judgments", "import", "--format", "urf", str(d), "--fps", "16", "--out", str(out)]
    code = main([*args, "--model", "llama"])
    printed = capsys.readouterr()
    assert code == 1  # B failed, A is written
    assert "B.json: score at frame '0' is 'x'" in printed.err
    assert "wrote 2 judgment(s) of 1 video(s)" in printed.out and "1 file(s) failed" in printed.out
    parsed = read_judgments(out)
    assert list(parsed.videos) == ["A"] and parsed.models == ["llama"]
    assert [(j.start, j.end, j.score) for j in parsed.videos["A"]] == [
        (0.0, 1.0, 0.5),
        (1.0, 2.0, 0.0),
    ]


def test_reader_rules(tmp_path):
    path = tmp_path / "J.jsonl"
    rows = [
        {"video_id": "a", "start": 0, "end": 1, "score": 0.5, "model": "m1"},
        {"video_id": "a", "start": 0, "end": 1, "score": 0.7, "rationale": "later wins"},
        {"video_id": "a", "start": 1, "end": 2, "score": None, "extra": "ignored"},
        {"video_id": "b", "start": 0, "end": 1, "score": 2.0},
        {"video_id": "c", "start": 2, "end": 1, "score": 0.1},
        {"video_id": "d\x00", "start": 0, "end": 1, "score": 0.1},
        {"video_id": "e", "start": 0, "end": 1},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    parsed = read_judgments(path)
    assert [(j.start, j.score, j.rationale) for j in parsed.videos["a"]] == [
        (0.0, 0.7, "later wins"),
        (1.0, None, None),
    ]
    assert set(parsed.errors) == {"b", "c", "d\x00", "e"}
    assert "J.jsonl:4: video 'b': score 2.0 is not in [0, 1]" in str(parsed.errors["b"])
    assert "empty, reversed" in str(parsed.errors["c"])
    assert "missing field 'score'" in str(parsed.errors["e"])
    path.write_text('{"video_id": "a", "start": 0, "end": 1, "score": NaN}\n')
    with pytest.raises(InputError, match="J.jsonl:1: NaN is not a number"):
        read_judgments(path)
    path.write_text("\n")
    with pytest.raises(InputError, match="holds no judgments"):
        read_judgments(path)


def test_reader_bounds_the_rows(tmp_path, monkeypatch):
    import zsvad.io.judgments as mod

    monkeypatch.setattr(mod, "MAX_ROWS", 2)
    path = tmp_path / "J.jsonl"
    row = {"video_id": "a", "start": 0, "end": 1, "score": 0.5}
    path.write_text(json.dumps(row) + "\n" + json.dumps({**row, "start": 1, "end": 2}) + "\n")
    assert len(read_judgments(path).videos["a"]) == 2
    path.write_text(path.read_text() + json.dumps({**row, "start": 2, "end": 3}) + "\n")
    with pytest.raises(InputError, match="J.jsonl:3: more than 2 lines"):
        read_judgments(path)


def test_frames_npy_with_a_lying_header_is_refused_before_allocating(tmp_path):
    d = tmp_path / "f"
    d.mkdir()
    np.save(d / "good.npy", np.array([0.1, 0.1, 0.9], dtype=np.float32))
    lying = d / "huge.npy"
    np.save(lying, np.zeros(4, dtype=np.float32))
    raw = lying.read_bytes().replace(b"(4,)", b"(4000000000000,)")
    lying.write_bytes(raw)
    done = import_judgments(d, "frames", 1.0)
    assert [r["video_id"] for r in done.rows] == ["good", "good"]  # merged runs of one file
    assert len(done.errors) == 1 and "header claims 4000000000000 values" in str(done.errors[0])
