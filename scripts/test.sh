#!/usr/bin/env bash
# Set up (if needed), check the layering contract (pyproject.toml [tool.importlinter],
# docs/architecture.md) and run the whole test suite offline. Extra args go to pytest.
# The run ends by itself: a test (or a child process the interpreter waits for at exit) that
# hangs fails the run after ZSVAD_TEST_TIMEOUT seconds [3600] instead of stalling it, and a
# test running longer than 900 s prints every thread's stack (pytest's faulthandler_timeout).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/lint-imports --no-cache  # a package imports only the layers below it
LIMIT=${ZSVAD_TEST_TIMEOUT:-3600}
rc=0
timeout --foreground --kill-after=30 "$LIMIT" .venv/bin/python -m pytest -q \
  -o faulthandler_timeout=900 "$@" || rc=$?
if (( rc == 124 || rc == 137 )); then
  echo "zsvad test: the test run did not end within ${LIMIT} s (a hung test, or a child process" \
    "it waits for at exit) and was stopped; raise ZSVAD_TEST_TIMEOUT if the machine is just slow" >&2
fi
exit "$rc"
