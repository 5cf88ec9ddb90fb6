"""``zsvad watch``: score camera streams as they arrive; alerts to JSONL / stdout / webhook."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from zsvad.cli.common import config_from_args
from zsvad.cli.privacy import add_privacy_options, apply_privacy_options


def register(sub: argparse._SubParsersAction) -> None:
    from zsvad.cli.main import add_config_options

    p = sub.add_parser(
        "watch",
        help="score live streams (RTSP/RTMP/HTTP/UDP, cameras, files); raise alerts",
        description="Score camera streams as they arrive with the same pipeline and config as "
        "`score`: windows are scored once complete, smoothed causally, and an alert opens when "
        "the score crosses the threshold. Alerts and stream events go to OUT/alerts.jsonl (and "
        "stdout / a webhook); rolling results to OUT/<camera>/results/ (zsvad report OUT). "
        "Runs until Ctrl-C / SIGTERM, --duration, or the end of every file source. "
        "Details: docs/live.md.",
    )
    p.add_argument(
        "sources",
        nargs="+",
        metavar="[NAME=]SOURCE",
        help="rtsp:// rtmp:// http(s):// udp:// tcp:// srt:// URL, /dev/videoN or FORMAT:DEVICE "
        "(v4l2:/dev/video0, avfoundation:0), or a video file; NAME names the camera",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument(
        "--realtime",
        action="store_true",
        help="play file sources at their own pace (as a camera would), not as fast as possible",
    )
    p.add_argument(
        "--jsonl", metavar="FILE", help="alert and stream events file [OUT/alerts.jsonl]"
    )
    p.add_argument(
        "--stdout", action="store_true", help="also print each event as a JSON line on stdout"
    )
    p.add_argument(
        "--webhook",
        metavar="URL",
        help="POST each event as JSON to URL (retried, never blocks scoring); "
        "same as --set live.webhook_url=URL",
    )
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this many seconds")
    add_privacy_options(p)
    add_config_options(p)
    p.set_defaults(func=run)


class _Signals:
    """Ctrl-C / SIGTERM ask the run to stop cleanly; a second one interrupts at once.
    ``stop(reason)`` is called from the handler: it must take no lock (``Watch.ask_stop``)."""

    def __init__(self, stop):
        self.stop = stop
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        # only plain assignments here: taking a lock (Event.set) the interrupted thread may
        # hold would deadlock; ``stop`` only records the request and the scoring loop polls it
        if self.received is not None:  # asked twice: stop waiting for the clean shutdown
            raise KeyboardInterrupt
        self.received = signum
        self.stop(f"signal {signal.Signals(signum).name}")

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        return False


def run(args: argparse.Namespace) -> int:
    from zsvad.cli.main import Terminated
    from zsvad.errors import ConfigError
    from zsvad.live.runner import Watch, WatchOptions, latency_note
    from zsvad.live.sources import parse_sources
    from zsvad.pipeline.core import MEANINGLESS
    from zsvad.pipeline.sample import require_vision_model

    config = config_from_args(args)
    if args.webhook:
        config.live.webhook_url = args.webhook
    apply_privacy_options(args, config.privacy)
    if args.duration is not None and args.duration <= 0:
        raise ConfigError("--duration must be positive")
    require_vision_model(config)
    sources = parse_sources(args.sources, realtime=args.realtime)
    out = Path(args.out)
    options = WatchOptions(
        out_dir=out,
        jsonl=Path(args.jsonl) if args.jsonl else None,
        stdout=args.stdout,
        duration_s=args.duration,
    )
    watch = Watch(config, sources, options)
    say = (lambda *a: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    with _Signals(watch.ask_stop) as signals:
        say(f"zsvad watch: loading models (profile '{config.profile}')…")
        watch.start()
        names = ", ".join(f"{s.name} ({s.shown})" for s in sources)
        say(f"zsvad watch: {len(sources)} source(s): {names}")
        say(f"zsvad watch: {latency_note(config)}")
        say(f"zsvad watch: alerts -> {options.jsonl or out / 'alerts.jsonl'}; "
            f"results -> {out}/<camera>/results/ (zsvad report {out}); Ctrl-C stops")  # fmt: skip
        summary = watch.run()
    for name, cam in summary.get("cameras", {}).items():
        p50, p95 = cam.get("latency_p50_s"), cam.get("latency_p95_s")
        lat = f"{p50:.3f} / {p95:.3f} s" if p50 is not None else "-"
        print(
            f"{name}: {cam['windows']} windows scored, {cam['windows_skipped']} skipped, "
            f"{cam['alerts']} alert(s), {cam['sessions']} session(s), "
            f"{cam['stream_s']:.1f} s of stream; window latency p50 / p95 {lat}"
            + (f"; last fault: {cam['last_error']}" if cam.get("last_error") else ""),
            file=sys.stderr,
        )
    if watch.meaningless():
        print(f"WARNING: {MEANINGLESS} (profile '{config.profile}')", file=sys.stderr)
    print(f"zsvad watch: stopped ({watch.stop_reason}); wrote {out}/", file=sys.stderr)
    if signals.received == signal.SIGTERM:
        raise Terminated()
    if signals.received == signal.SIGINT:
        raise KeyboardInterrupt
    return 0
