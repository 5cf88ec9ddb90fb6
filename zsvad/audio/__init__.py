"""The audio track of videos: decoding aligned with the video windows, a weight-free acoustic
cue and zero-shot audio-text retrieval (CLAP) against the memory's audio captions.

- :mod:`zsvad.config.audio`: the ``audio`` config section;
- :mod:`zsvad.audio.decode`: the track resampled to mono, streamed once, cut into the windows;
- :mod:`zsvad.audio.cue`: loudness and spectral novelty against the video's running baseline;
- :mod:`zsvad.audio.score`: both turned into window components (``audio_cue``, ``audio``);
- :mod:`zsvad.audio.fusion`: how audio components enter fusion and which segments they raised.

See docs/audio.md.
"""

AUDIO_COMPONENTS = ("audio", "audio_cue")
"""Window components computed from the audio track: CLAP retrieval and the acoustic cue."""
