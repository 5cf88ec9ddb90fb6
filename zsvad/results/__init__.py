"""Result records (per-video JSON) and their atomic I/O."""

from zsvad.results.schema import Evidence, Provenance, Segment, VideoResult, Window

__all__ = ["Evidence", "Provenance", "Segment", "VideoResult", "Window"]
