"""Privacy: anonymisation of the images zsvad writes, and owner-only output files.

- :mod:`zsvad.config.privacy`: :class:`~zsvad.config.privacy.PrivacyConfig` (``privacy``
  section of the config);
- :mod:`zsvad.privacy.anonymize`: :class:`~zsvad.privacy.anonymize.Anonymizer`, which blurs
  the faces (and plates) of a frame;
- :mod:`zsvad.privacy.images`: what a report page says about its keyframes;
- :mod:`zsvad.privacy.files`: owner-only folders and files.

Nothing is imported here, so reading the config costs no image library.
"""
