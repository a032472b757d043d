# Shared by scripts/demo and scripts/test: a virtualenv in .venv with the project installed.
# Usage: . scripts/_venv.sh "<extras>"   (e.g. "" or "[dev]")
# Quiet when nothing changed: pip runs only when pyproject.toml (or the extras asked for) differs from the
# last install, its output is shown only when it fails, and one line says when something was installed.
set -euo pipefail
_extras="$1"
_stamp=.venv/.steadybot-installed
if [ ! -x .venv/bin/python ]; then
  PYTHON="${PYTHON:-}"
  if [ -z "$PYTHON" ]; then
    for candidate in python3.13 python3.12 python3.11 python3; do
      if command -v "$candidate" >/dev/null 2>&1 \
         && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
        PYTHON="$candidate"; break
      fi
    done
  fi
  if [ -z "$PYTHON" ]; then
    echo "steadybot needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
    exit 2
  fi
  "$PYTHON" -m venv .venv
  rm -f "$_stamp"
fi
_hash="$(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')"
_have="$(cat "$_stamp" 2>/dev/null || true)"
# A "[dev]" install also serves the demo (""), not the other way round.
if [ "$_have" != "$_hash:$_extras" ] && { [ -n "$_extras" ] || [ "${_have%%:*}" != "$_hash" ]; } \
   || ! .venv/bin/python -c "import bot, handlers, storage" >/dev/null 2>&1; then
  _log="$(mktemp)"
  if ! { .venv/bin/python -m pip install --disable-pip-version-check -q --upgrade pip \
         && .venv/bin/python -m pip install --disable-pip-version-check -q -e ".$_extras"; } >"$_log" 2>&1 \
     || ! .venv/bin/python -c "import bot, handlers, storage" >>"$_log" 2>&1; then
    cat "$_log" >&2
    rm -f "$_log" "$_stamp"
    echo "installing steadybot failed (pip's output above)" >&2
    exit 2
  fi
  rm -f "$_log"
  echo "$_hash:$_extras" >"$_stamp"
  echo "steadybot: installed/updated dependencies in .venv${_extras:+ (with $_extras)}" >&2
fi
unset _extras _stamp _hash _have _log
