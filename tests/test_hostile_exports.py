"""Exports a spreadsheet opens (issue 29, family "exports"): cells starting with ``= + - @``
(or tab / CR) reach ``segments.csv``, ``summary.csv`` and ``diff --csv`` escaped with a leading
``'`` (OWASP CSV injection), through the one writer :mod:`zsvad.csvout`; numeric cells such
as ``-0.5`` stay numbers."""

from __future__ import annotations

import csv

import pytest
from report_helpers import make_result

from zsvad.cli.main import main
from zsvad.csvout import csv_text
from zsvad.report import build_report
from zsvad.results.io import write_result

HOSTILE = ['=HYPERLINK("http://x.invalid","y")', "+SUM(1)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def _rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("payload", HOSTILE)
def test_segments_csv_escapes_formula_cells(tmp_path, payload):
    result = make_result(video_id=f"cam1/{payload}", rationale=payload, source=payload)
    result.segments[0].explanation = payload
    rep = build_report([result], tmp_path / "rep", thumbnails=False)
    csv_path = next(p for p in rep.segment_files if p.suffix == ".csv")
    (row,) = _rows(csv_path)
    for field in ("explanation", "source"):
        assert row[field] == "'" + payload, field
    assert row["video_id"] == "cam1/" + payload  # not a formula: left as it is
    assert float(row["start_s"]) == 20.0 and float(row["score"]) > 0  # numbers stay numbers


@pytest.mark.parametrize("payload", HOSTILE)
def test_diff_csv_escapes_formula_cells(tmp_path, payload):
    a, b = tmp_path / "a", tmp_path / "b"
    first = make_result(video_id=payload, caption=payload, segments=((100, 199),))
    second = make_result(video_id=payload, caption=payload, segments=((100, 199),))
    for w in second.windows:
        w.score = 0.0
    write_result(first, a)
    write_result(second, b)
    assert main(["diff", str(a), str(b), "--csv", str(tmp_path / "w.csv")]) == 0
    rows = _rows(tmp_path / "w.csv")
    assert rows and all(r["video_id"] == "'" + payload for r in rows)
    assert any(r["text"] == "'" + payload for r in rows)
    assert all(float(r["delta"]) < 0 and r["delta"].startswith("-") for r in rows)


def test_writer_keeps_numbers_numeric_and_escapes_text():
    text = csv_text(["a", "b", "c", "d"], [[-0.5, "-0.5", "-1e3", None], ["=1+1", "-x", "@", ""]])
    lines = text.splitlines()
    assert lines[1] == "-0.5,-0.5,-1e3,"
    assert lines[2] == "'=1+1,'-x,'@,"
    assert csv_text(["=h"], [{"=h": 1}]).splitlines() == ["'=h", "1"]
