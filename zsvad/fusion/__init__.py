"""Fusion of per-window score components (retrieval, clip, judge) into one score."""
