"""Command-line interface: thin shells over the public Python API."""
