#!/usr/bin/env bash
# Installs the adapter's pinned dependencies into adapters/python-sdk/.venv.
# Idempotent: an existing venv is reused and pip only fills what is missing.
# PYTHON=/path/to/python3 picks the interpreter (default: python3, >= 3.10).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
venv="$here/.venv"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --requirement "$here/requirements.txt"
"$venv/bin/python" -c 'import cloudevents, sys; sys.stdout.write("python-sdk adapter: cloudevents %s in %s\n" % (cloudevents.__version__, sys.prefix))'
