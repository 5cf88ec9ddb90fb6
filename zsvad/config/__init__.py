"""Typed configuration: every section, their base (field roles) and the whole schema
(:class:`zsvad.config.schema.ZsvadConfig`).

The ground floor of zsvad: it imports nothing of zsvad but :mod:`zsvad.strict`. Loading
profiles, files and ``--set`` overrides (checked against the backends) is
:mod:`zsvad.configure`; a config's identity and hash are :mod:`zsvad.identity`.
"""
