"""Live mode (``zsvad watch``): score camera streams as they arrive.

Readers (:mod:`.reader`, one thread per camera, :mod:`.sources`) decode streams and cut the
windows ``zsvad score`` would cut (:mod:`.picker`); a bounded hand-over (:mod:`.backpressure`)
feeds one scorer (:mod:`.scoring`, the ``score`` pipeline); a causal temporal stage
(:mod:`.causal`) drives alerts (:mod:`.alerts`) that go to sinks (:mod:`.sinks`,
:mod:`.webhook`) and rolling result files (:mod:`.results`); :mod:`.runner` ties them together.
See docs/live.md.
"""
