"""Checks of a run's configuration that need no model: run before anything loads or is embedded,
so a config error costs no time (``zsvad score``, ``zsvad batch``)."""

from __future__ import annotations

from zsvad.config.schema import ZsvadConfig


def preflight(config: ZsvadConfig, videos: bool = False) -> None:
    """Raise the first :class:`~zsvad.errors.ConfigError` a run of ``config`` would meet:
    an unknown backend or option (as when the config was loaded, again after command-line
    changes), a judge without the model its backend needs, a judge prompt that cannot be
    loaded or whose variables nobody fills (a ``file`` judge, reading ``judge.judgments``,
    needs neither model nor prompt), and, with ``videos``, no vision model."""
    from zsvad.backends.build import check_config
    from zsvad.config.judge import judge_backend
    from zsvad.judge.judge import require_model

    require_model(config.judge)  # before check_config: its message says what to do
    check_config(config)
    if judge_backend(config.judge) not in (None, "file"):  # judgments from a file: no prompt
        from zsvad.judge.render import JudgePrompts

        JudgePrompts(config.judge)
    if videos:
        from zsvad.pipeline.sample import require_vision_model

        require_vision_model(config)
