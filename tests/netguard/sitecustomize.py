"""Loaded at start-up by every Python process the tests start (``tests/netguard`` is on their
``PYTHONPATH``): installs the socket guard when ``ZSVAD_NET_GUARD=1``. See ``netguard.py``."""

import os

if os.environ.get("ZSVAD_NET_GUARD") == "1":
    import netguard

    netguard.install()
