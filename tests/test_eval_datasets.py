"""Dataset specs: bundled names resolve to the shared dev data, bad specs name their file."""

from __future__ import annotations

import pytest

from zsvad.errors import ConfigError
from zsvad.eval.datasets import dataset_names, load_dataset


def test_bundled_specs_point_at_shared_data(monkeypatch, tmp_path):
    monkeypatch.setenv("ZSVAD_SHARED", str(tmp_path))
    assert {"ucf_uca_dev", "ucf_vl3_dev", "xd_vl3_sample"} <= set(dataset_names())
    spec = load_dataset("ucf_vl3_dev")
    assert spec.captions == tmp_path / "data/ucf_vl3_dev/captions.jsonl"
    assert spec.metric == "auc" and spec.format == "ucf"
    xd = load_dataset("xd_vl3_sample")
    assert xd.metric == "ap" and xd.tune is False and xd.fps == 24


def test_relative_paths_resolve_against_the_spec(tmp_path):
    spec = tmp_path / "sub" / "mine.yaml"
    spec.parent.mkdir()
    spec.write_text("name: mine\ncaptions: c.jsonl\nannotations: ../gt.txt\n")
    d = load_dataset(spec)
    assert d.captions == spec.parent / "c.jsonl"
    assert d.annotations == tmp_path / "gt.txt"
    assert d.source == spec


@pytest.mark.parametrize(
    "text, needle",
    [
        ("name: x\ncaptions: c\nannotations: a\nmetric: f1\n", "metric"),
        ("name: x\ncaptions: c\nannotations: a\nextra: 1\n", "extra"),
        ("- a\n- b\n", "mapping"),
    ],
)
def test_bad_spec_names_file_and_problem(tmp_path, text, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_dataset(path)
    assert str(path) in str(err.value) and needle in str(err.value)


def test_unknown_name_lists_bundled():
    with pytest.raises(ConfigError, match="ucf_vl3_dev"):
        load_dataset("nope")


def test_lavad_spec_reads_list_with_temporal_file(tmp_path):
    from zsvad.eval.datasets import dataset_annotations

    (tmp_path / "Temporal.txt").write_text("A.mp4 Abuse 5 8 -1 -1\nN.mp4 Normal -1 -1 -1 -1\n")
    (tmp_path / "test.txt").write_text("Abuse/A 0 19 1\n")
    spec = tmp_path / "d.yaml"
    spec.write_text(
        "name: d\ncaptions: c.jsonl\nannotations: test.txt\nformat: lavad\ntemporal: Temporal.txt\n"
    )
    d = load_dataset(spec)
    assert d.temporal == tmp_path / "Temporal.txt"
    ann = dataset_annotations(d)
    assert list(ann) == ["A"] and ann["A"].num_frames == 20 and ann["A"].intervals == ((5, 8),)


def test_fifo_spec_is_refused(tmp_path):
    import os

    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="spec.yaml"):
        load_dataset(fifo)
