import pytest
from caption_rows import caption

from zsvad.errors import InputError
from zsvad.io.captions import read_captions


def test_reads_and_sorts(write_captions):
    path = write_captions(
        [
            caption(start=4, end=6, text="b"),
            caption(start=0, end=2, text="a"),
            caption("v2", 0, 1, "c", fps=25, num_frames=50),
        ]
    )
    got = read_captions(path)
    assert list(got.videos) == ["v1", "v2"] and not got.errors
    assert [c.text for c in got.videos["v1"].captions] == ["a", "b"]
    assert got.videos["v2"].duration == 2.0


def test_missing_file():
    with pytest.raises(InputError, match="nope.jsonl: captions file not found"):
        read_captions("nope.jsonl")


def test_malformed_line_names_line(write_captions):
    path = write_captions([caption()], raw_lines=["{not json"])
    with pytest.raises(InputError) as err:
        read_captions(path)
    assert f"{path}:2: malformed JSON" in str(err.value)


@pytest.mark.parametrize(
    "row,msg",
    [
        ({k: v for k, v in caption().items() if k != "fps"}, "missing field 'fps'"),
        (dict(caption(), num_frames="100"), "field 'num_frames' has the wrong type"),
        (dict(caption(), start=True), "field 'start' has the wrong type"),
    ],
)
def test_bad_fields_stop_the_read(write_captions, row, msg):
    path = write_captions([row])
    with pytest.raises(InputError, match=msg):
        read_captions(path)


@pytest.mark.parametrize(
    "bad,msg",
    [
        (caption("bad", text="  "), "empty caption text"),
        (caption("bad", num_frames=0), "num_frames must be positive"),
        (caption("bad", start=5, end=20), "outside the video"),
        (caption("bad", start=3, end=2), "empty or reversed"),
        (caption("bad", fps=0), "fps must be positive"),
    ],
)
def test_bad_video_does_not_stop_others(write_captions, bad, msg):
    path = write_captions([caption("good"), bad, caption("good", 2, 4, "more")])
    got = read_captions(path)
    assert list(got.videos) == ["good"] and len(got.videos["good"].captions) == 2
    err = got.errors["bad"]
    assert msg in str(err) and str(path) in str(err) and ":2:" in str(err)


def test_inconsistent_num_frames(write_captions):
    path = write_captions([caption("x"), caption("x", 2, 3, num_frames=99)])
    assert "differ from earlier lines" in str(read_captions(path).errors["x"])


def test_empty_file(write_captions):
    path = write_captions([])
    with pytest.raises(InputError, match="holds no captions"):
        read_captions(path)
