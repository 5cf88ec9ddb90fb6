"""``zsvad`` entry point: argument parsing, error reporting, exit codes.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module sets
``func`` on its parser, which receives the parsed args and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
import threading

from zsvad._version import __version__
from zsvad.errors import ZsvadError

#: subcommand modules, in the order ``--help`` lists them
COMMAND_MODULES = [
    "zsvad.cli.score",
    "zsvad.cli.batch",
    "zsvad.cli.eval",
    "zsvad.cli.diff",
    "zsvad.cli.tune",
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
        help="named profile (zsvad config profiles) or a YAML file [default]",
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
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.debug and not getattr(args, "quiet", False):
        logging.getLogger("zsvad").setLevel(logging.INFO)  # e.g. "building the index…"
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    previous = _stop_on_sigterm()
    try:
        return int(args.func(args) or 0)
    except ZsvadError as exc:
        if args.debug:
            raise
        print(f"zsvad: error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("zsvad: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("zsvad: interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: batch marks unfinished inputs pending and writes its
    summary; results already written stay."""


def _raise_terminated(signum, frame):
    raise Terminated()


def _stop_on_sigterm():
    """Turn SIGTERM into :class:`Terminated` in the main thread (None where it cannot)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
