"""``zsvad check TESTS.yaml``: assertions on a run's samples and results (exit 1 on failure)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="check assertions (window scores, prompt sizes) on a run; exit 1 if any fails",
        description="Check the assertions of a YAML file against a run: judge scores of given "
        "windows (from --samples, the --log-samples file or a folder with samples.jsonl), "
        "fused window scores (from --results, a score folder) and the token size of rendered "
        "prompts. Prints PASS / FAIL per check. See docs/judge.md.",
    )
    p.add_argument("tests", metavar="TESTS.yaml", help="the checks file")
    p.add_argument("--samples", metavar="FILE|DIR", help="judge samples of the run")
    p.add_argument("--results", metavar="DIR", help="result folder (for score: fused checks)")
    p.add_argument(
        "--tokenizer",
        metavar="PATH|ID",
        help="count prompt tokens with this tokenizer (HF folder or id, or a GGUF file; "
        "offline) [about 4 characters a token]",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from zsvad.errors import ConfigError
    from zsvad.eval.checks import load_checks, run_checks
    from zsvad.results.samples import read_samples

    checks = load_checks(args.tests)
    if not args.samples and not args.results:
        raise ConfigError("nothing to check: give --samples and/or --results")
    samples = read_samples(args.samples) if args.samples else None
    fused = _fused(args.results) if args.results else None
    outcomes = run_checks(checks, samples, fused, args.tokenizer)
    for o in outcomes:
        print(f"{'PASS' if o.ok else 'FAIL'}  {o.check.label()}: {o.detail}")
    failed = sum(not o.ok for o in outcomes)
    print(f"{len(outcomes) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _fused(folder: str) -> dict[str, dict[int, float]]:
    from zsvad.eval.results_dirs import load_result_sets

    out: dict[str, dict[int, float]] = {}
    for results in load_result_sets(folder).values():
        for r in results:
            out[r.video_id] = {i: w.score for i, w in enumerate(r.windows)}
    return out
