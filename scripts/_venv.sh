# Shared by scripts/demo and scripts/test: a virtualenv in .venv with the project installed.
# Usage: . scripts/_venv.sh "<extras>"   (e.g. "" or "[dev]")
set -euo pipefail
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PYTHON="$candidate"; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "steadybot needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --disable-pip-version-check -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install --disable-pip-version-check -q -e ".$1" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import bot, handlers, storage" || { echo "installing steadybot failed" >&2; exit 2; }
