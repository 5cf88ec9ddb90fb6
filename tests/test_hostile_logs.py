"""Secrets never reach logs: messages, their args, tracebacks (chained ones too) and stacks of
every zsvad logger's records are redacted before any handler sees them, and the CLI's stderr
handler redacts other libraries' records as well."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from zsvad.cli.main import main
from zsvad.live import reader as reader_mod
from zsvad.live.reader import Reader
from zsvad.logs import REDACT, configure_cli, get_logger

ZSVAD = Path(__file__).resolve().parents[1] / "zsvad"
URL = "rtsp://admin:s3cret@127.0.0.1:9/x"  # port 9: nothing listens
SHOWN = "rtsp://***@127.0.0.1:9/x"
FAKES = ["captioner.backend=fake", "image_embedder.backend=fake", "video.cache=false"]


@pytest.fixture
def levels():
    """The root and ``zsvad`` levels as they were, whatever the test (or the CLI) sets."""
    root, ours = logging.getLogger(), logging.getLogger("zsvad")
    saved = root.level, ours.level
    yield
    root.setLevel(saved[0])
    ours.setLevel(saved[1])


def _files_text(out: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


def test_watch_at_debug_logs_a_failing_camera_without_its_password(
    tmp_path, monkeypatch, caplog, capsys, levels
):
    pytest.importorskip("av")
    real_open = reader_mod.open_source
    refused: list[Exception] = []

    class Container:
        def close(self):
            pass

    def open_source(source, live):
        if not refused:
            try:
                return real_open(source, live)  # nothing listens: PyAV's error names the URL
            except Exception as exc:
                refused.append(exc)
                raise
        return Container()  # then it "connects" and its decoding fails

    def bad_read(self, container):
        raise RuntimeError("decoder failed") from refused[0]  # logged with its traceback

    monkeypatch.setattr(reader_mod, "open_source", open_source)
    monkeypatch.setattr(Reader, "_read", bad_read)
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "out"
    argv = ["watch", f"cam={URL}", "--out", str(out), "--debug", "--duration", "1.5",
            "--profile", "tiny", "--set", "live.reconnect_min_s=0.05",
            "--set", "live.reconnect_max_s=0.2"]  # fmt: skip
    for s in FAKES:
        argv += ["--set", s]
    assert main(argv) == 0
    assert refused and "s3cret" in str(refused[0])  # the raw error does hold the password
    logged = caplog.text
    assert "reader traceback" in logged and "Traceback (most recent call last)" in logged
    assert "direct cause" in logged and "RuntimeError: decoder failed" in logged
    assert SHOWN in logged  # PyAV's error, in the warning and in the chained traceback
    std = capsys.readouterr()
    assert "s3cret" not in logged + std.out + std.err + _files_text(out)


def test_log_exception_of_a_child_logger_is_redacted_for_any_handler():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # an API user's own handler, on the root
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    log = get_logger("zsvad.live.runner")
    try:
        try:
            try:
                raise OSError("Connection refused: 'rtsp://admin:p@ss@cam.local/x'")
            except OSError as exc:
                raise ValueError("cannot read https://cdn.example/v.mp4?key=K3YVALUE&t=1") from exc
        except ValueError:
            log.exception("scoring %s failed", "rtsp://admin:p@ss@cam.local/x")
    finally:
        root.removeHandler(handler)
    text = stream.getvalue()
    assert "ERROR zsvad.live.runner: scoring rtsp://***@cam.local/x failed" in text
    assert "Traceback (most recent call last)" in text and "direct cause" in text
    assert "'rtsp://***@cam.local/x'" in text and "?key=***&t=1" in text
    assert "p@ss" not in text and "K3YVALUE" not in text


def test_the_cli_stderr_handler_redacts_other_libraries_records(monkeypatch, capsys, levels):
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # as in a fresh CLI process
    configure_cli(logging.DEBUG, logging.DEBUG)
    logging.getLogger("httpx").info("HTTP Request: POST %s", "http://u:pw123@h/v1?sig=S1GNED")
    try:
        raise ConnectionError("to http://u:pw123@h/v1")
    except ConnectionError:
        logging.getLogger("urllib3").debug("retrying", exc_info=True)
    err = capsys.readouterr().err
    assert "INFO httpx: HTTP Request: POST http://***@h/v1?sig=***" in err
    assert "ConnectionError: to http://***@h/v1" in err
    assert "pw123" not in err and "S1GNED" not in err


def test_a_record_is_redacted_once_whatever_its_args_and_filters():
    def record(msg, args, exc_info=None):
        return logging.LogRecord("zsvad.x", logging.INFO, __file__, 1, msg, args, exc_info)

    r = record("open %s at 100%%", ("rtsp://a:pw9999@cam",))
    assert REDACT.filter(r) and REDACT.filter(r)  # the logger's filter, then a handler's
    assert r.getMessage() == "open rtsp://***@cam at 100%" and r.args is None
    r = record("api_key=%s (%d)", ("hunter22", "not a number"))  # args that do not fit
    REDACT.filter(r)
    assert "hunter22" not in r.getMessage() and r.getMessage().startswith("api_key=%s (%d) [")
    r = record("stack", None)
    r.stack_info = "Stack (most recent call last):\n  open('rtsp://a:pw9999@cam')"
    REDACT.filter(r)
    assert "pw9999" not in r.stack_info and "rtsp://***@cam" in r.stack_info


def test_every_zsvad_module_takes_its_logger_from_get_logger():
    plain = [
        str(p.relative_to(ZSVAD))
        for p in ZSVAD.rglob("*.py")
        if p.name != "logs.py" and "logging.getLogger(" in p.read_text()
    ]
    assert plain == []  # a plain logger's records would skip the redaction
    made = [
        name
        for name, logger in logging.Logger.manager.loggerDict.items()
        if name.startswith("zsvad.") and isinstance(logger, logging.Logger)
    ]
    assert "zsvad.live.reader" in made  # imported above
    assert [n for n in made if REDACT not in logging.getLogger(n).filters] == []
