"""The audio track: probed, decoded once to mono at a fixed rate, cut into the video windows."""

from __future__ import annotations

import numpy as np
import pytest
from video_helpers import make_audio, make_video, quiet_with_bang

from zsvad.audio.decode import WindowSlicer, iter_samples, probe_audio


def test_probe_says_why_a_video_has_no_track(tmp_path):
    info, why = probe_audio(make_video(tmp_path / "silent.mp4", n=20))
    assert info is None and why == "no audio track"
    info, why = probe_audio(make_video(tmp_path / "av.mp4", n=20, sound=np.zeros(32000)))
    assert why == "ok" and info.codec == "aac" and info.sample_rate == 16000
    assert info.channels == 1 and info.duration == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("rate", [16000, 48000])
def test_samples_are_mono_contiguous_at_the_rate_and_aligned_in_time(tmp_path, rate):
    sound = quiet_with_bang(12, bang_at=7.0)
    path = make_video(tmp_path / "bang.mp4", n=120, fps=10, sound=sound)
    info, _ = probe_audio(path)
    stats: dict = {}
    chunks = list(iter_samples(info, rate, 0.0, stats))
    assert [p for p, _ in chunks] == list(np.cumsum([0] + [len(x) for _, x in chunks[:-1]]))
    x = np.concatenate([x for _, x in chunks])
    assert x.dtype == np.float32 and x.ndim == 1
    assert len(x) / rate == pytest.approx(12.0, abs=0.1) and stats["samples"] == len(x)
    assert np.argmax(np.abs(x)) / rate == pytest.approx(7.0, abs=0.05)  # the bang, in place


def test_audio_before_the_first_frame_is_dropped(tmp_path):
    path = make_video(tmp_path / "bang.mp4", n=120, fps=10, sound=quiet_with_bang(12, 7.0))
    info, _ = probe_audio(path)
    x = np.concatenate([x for _, x in iter_samples(info, 16000, 1.0, {})])
    assert np.argmax(np.abs(x)) / 16000 == pytest.approx(6.0, abs=0.05)


def test_windows_are_cut_exactly_and_memory_stays_bounded():
    rate, seconds = 1000, 600  # ten minutes at a toy rate
    signal = np.arange(seconds * rate, dtype=np.float32)
    windows = [(float(s), float(min(s + 4, seconds))) for s in range(0, seconds, 2)]
    slicer = WindowSlicer(windows, rate)
    got = {}
    for pos in range(0, len(signal), 333):
        got.update(slicer.feed(pos, signal[pos : pos + 333]))
    got.update(slicer.finish())
    assert sorted(got) == list(range(len(windows)))
    for i, (a, b) in enumerate(windows):
        assert np.array_equal(got[i], signal[round(a * rate) : round(b * rate)])
    assert slicer.peak_buffered <= 4 * rate + 2 * 333  # one window plus a chunk, not the video


def test_windows_beyond_the_track_get_what_there_is():
    slicer = WindowSlicer([(0.0, 4.0), (2.0, 6.0), (4.0, 8.0), (8.0, 12.0)], 100)
    done = dict(slicer.feed(0, np.ones(500, np.float32)))
    done.update(slicer.finish())
    assert len(done[0]) == 400 and len(done[1]) == 300 and len(done[2]) == 100
    assert 3 not in done  # nothing of it was heard


def test_audio_only_files_are_still_refused_as_videos(tmp_path):
    from zsvad.errors import InputError
    from zsvad.video.probe import probe

    with pytest.raises(InputError, match="no video stream"):
        probe(make_audio(tmp_path / "speech.m4a"))


def test_a_real_surround_track_is_downmixed_and_heard(tmp_path):
    from data_paths import VIDEOS

    from zsvad.audio.cue import HopFeatures, window_cues
    from zsvad.config.audio import AudioConfig

    path = VIDEOS / "bigbuckbunny.mp4"  # 5.3 s of 6-channel AAC at 48 kHz
    info, why = probe_audio(path)
    assert why == "ok" and info.channels == 6 and info.sample_rate == 48000
    hops, samples = HopFeatures(48000), 0
    for _, x in iter_samples(info, 48000, 0.0, {}):
        hops.feed(x)
        samples += len(x)
    assert samples / 48000 == pytest.approx(info.duration, abs=0.1)
    cues = window_cues(hops.finish(), [(0.0, 4.0), (2.0, 5.28)], AudioConfig(cue=True))
    assert all(c is not None and 0.0 <= c.score <= 1.0 for c in cues)
    assert max(c.level_db for c in cues) > -60  # the film's sound is heard
