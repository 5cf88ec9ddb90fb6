"""``zsvad info`` and ``zsvad config``: what is installed, registered and configured."""

from __future__ import annotations

import argparse

import yaml

from zsvad import registry
from zsvad._version import __version__
from zsvad.cli.common import config_from_args
from zsvad.configure import list_profiles
from zsvad.errors import ZsvadError
from zsvad.extras import EXTRA_OF, installed
from zsvad.redact import redact_tree


def register(sub: argparse._SubParsersAction) -> None:
    from zsvad.cli.main import add_config_options

    p = sub.add_parser("info", help="version, profiles, backends and installed extras")
    p.add_argument(
        "--options", action="store_true", help="also list what each backend takes (its options)"
    )
    p.set_defaults(func=run_info)
    c = sub.add_parser(
        "config", help="print the resolved config of a profile (+ overrides), or list profiles"
    )
    c.add_argument(
        "--profiles", action="store_true", help="list the bundled profiles, one line each"
    )
    add_config_options(c)
    c.set_defaults(func=run_config)


def run_info(args: argparse.Namespace) -> int:
    print(f"zsvad {__version__}")
    print(f"profiles: {', '.join(list_profiles())}")
    for kind in sorted(registry.BACKENDS):
        print(f"{kind} backends: {', '.join(registry.names(kind))}")
    if getattr(args, "options", False):
        _print_options()
    extras: dict[str, list[str]] = {}
    for module, extra in EXTRA_OF.items():
        extras.setdefault(extra, []).append(f"{module} {'ok' if installed(module) else '-'}")
    for extra, mods in sorted(extras.items()):
        print(f"extra [{extra}]: {', '.join(mods)}")
    return 0


def _print_options() -> None:
    """Each backend's section fields and options (imports the backend modules, not their
    models)."""
    from zsvad.backends.build import KINDS, describe

    for kind, spec in KINDS.items():
        for name in registry.names(kind):
            try:
                takes = describe(kind, name)
            except ZsvadError as exc:  # e.g. a third-party module that does not import
                takes = f"cannot tell ({exc})"
            print(f"{spec.section}.backend={name}: {takes}")


def profile_line(name: str) -> str:
    """``name: what it is`` from the first sentence of the profile file's header comment."""
    from zsvad.configure import PROFILE_DIR

    words = []
    for line in (PROFILE_DIR / f"{name}.yaml").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        words += line.lstrip("#").split()
    text = " ".join(words)
    text = text.split(": ", 1)[1] if ": " in text[:40] else text  # "Tiny profile: ..."
    text = text.split(". ", 1)[0].rstrip(".")
    return f"{name:8} {text if len(text) <= 110 else text[:109].rstrip() + '…'}"


def run_config(args: argparse.Namespace) -> int:
    if args.profiles:
        for name in list_profiles():
            print(profile_line(name))
        return 0
    cfg = config_from_args(args)
    print(yaml.safe_dump(redact_tree(cfg.model_dump(mode="json")), sort_keys=False), end="")
    return 0
