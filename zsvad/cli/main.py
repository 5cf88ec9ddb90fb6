"""``zsvad`` entry point: argument parsing, error reporting, exit codes.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module sets
``func`` on its parser, which receives the parsed args and returns an exit code.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from zsvad._version import __version__
from zsvad.errors import ZsvadError, one_line
from zsvad.interrupt import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, stop_on_sigterm
from zsvad.registry import load

#: subcommand modules, in the order ``--help`` lists them
COMMAND_MODULES = [
    "zsvad.cli.score",
    "zsvad.cli.batch",
    "zsvad.cli.watch",
    "zsvad.cli.eval",
    "zsvad.cli.diff",
    "zsvad.cli.compare",
    "zsvad.cli.check",
    "zsvad.cli.tune",
    "zsvad.cli.captions",
    "zsvad.cli.judgments",
    "zsvad.cli.prompts",
    "zsvad.cli.report",
    "zsvad.cli.memory",
    "zsvad.cli.info",
]


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs the pipeline."""
    group = parser.add_argument_group("configuration")
    group.add_argument(
        "--profile",
        default="default",
        help="named profile (list: zsvad config --profiles) or a YAML file [default]",
    )
    group.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE",
        help="YAML config file merged over the profile (repeatable)",
    )
    group.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        dest="overrides",
        help="override one field, e.g. --set retrieval.k=20",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zsvad",
        description="Training-free video anomaly detection: captions and video in, per-frame "
        "anomaly scores, segments and explanations out.",
    )
    parser.add_argument("--version", action="version", version=f"zsvad {__version__}")
    _add_global_options(parser, argparse.SUPPRESS)
    parser.set_defaults(debug=False, verbose=0, quiet_logs=False, quiet=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        load(f"{name}:register")(sub)  # zsvad.registry, the one lazy import
    for sp in _all_subparsers(parser):  # zsvad score --debug works as zsvad --debug score
        _add_global_options(sp, argparse.SUPPRESS)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, default) -> None:
    group = parser.add_argument_group("logging")
    group.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks and debug logs"
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="more log messages (-v: zsvad debug, -vv: every library's); also ZSVAD_LOG_LEVEL",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default,
        help="no progress bars and only errors (log and messages); results are still printed",
    )
    group.add_argument(
        "--quiet-logs",
        action="store_true",
        default=default,
        help="only warnings and errors in the log, bars kept (ZSVAD_LOG_LEVEL=WARNING)",
    )


def _all_subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sp in dict.fromkeys(action.choices.values()):
                yield sp
                yield from _all_subparsers(sp)


LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_levels(args: argparse.Namespace) -> tuple[int, int]:
    """``(root level, zsvad level)`` from --debug, -v, --quiet-logs, -q / --quiet and
    ``ZSVAD_LOG_LEVEL`` (flags win); one-line ConfigError for an unknown ``ZSVAD_LOG_LEVEL``."""
    import os

    from zsvad.errors import ConfigError

    env = os.environ.get("ZSVAD_LOG_LEVEL", "").strip().upper()
    if env and env not in LEVELS:
        raise ConfigError(f"ZSVAD_LOG_LEVEL={env!r}: expected one of {', '.join(LEVELS)}")
    ours = getattr(logging, env) if env else logging.INFO
    if args.quiet_logs:
        ours = logging.WARNING
    if args.quiet:
        ours = logging.ERROR
    if args.verbose:
        ours = logging.DEBUG
    if args.debug or args.verbose >= 2:
        return logging.DEBUG, logging.DEBUG
    return (logging.ERROR if args.quiet else logging.WARNING), ours


def main(argv: list[str] | None = None) -> int:
    from zsvad.telemetry import telemetry_off

    telemetry_off()  # before any command imports a library that phones home
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        root, ours = log_levels(args)
    except ZsvadError as exc:
        print(f"zsvad: error: {exc}", file=sys.stderr)
        return 2
    from zsvad.logs import configure_cli, get_logger

    ours_logger = get_logger("zsvad")
    level_before = ours_logger.level  # restored: main() may be called again
    configure_cli(root, ours)  # zsvad at INFO by default: e.g. "building the index…"
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from zsvad.progress import one_display

    previous = stop_on_sigterm()
    try:
        with one_display(quiet=args.quiet):  # bars, logs and warnings share stderr
            return int(args.func(args) or 0)
    except ZsvadError as exc:
        if args.debug:
            raise
        print(f"zsvad: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except Terminated:
        print("zsvad: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("zsvad: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        ours_logger.setLevel(level_before)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
