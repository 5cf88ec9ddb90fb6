"""Model backends behind small protocols (see :mod:`zsvad.backends.protocols`)."""
