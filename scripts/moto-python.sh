#!/usr/bin/env bash
# Prints the path of a Python that can run moto's S3 server (python3 -m moto.server),
# which the s3 sink's integration tests start on a free port. Machines of this kind
# ship moto in their pyenv Python; elsewhere it is installed with pip into a venv in
# a cache folder outside the clone. The search order is the tests' own
# (pkg/stages/s3sink/internal/s3test/moto.go).
set -euo pipefail
venv="${ECOMRUN_CACHE:-$HOME/.cache/ecomrun}/moto-venv"
candidates=()
if [ -n "${ECOMRUN_MOTO_PYTHON:-}" ]; then candidates+=("$ECOMRUN_MOTO_PYTHON"); fi
candidates+=(python3 "${PYENV_ROOT:-$HOME/.pyenv}/shims/python3" "$venv/bin/python3" /usr/bin/python3)
for py in "${candidates[@]}"; do
  if "$py" -c 'import moto.server' >/dev/null 2>&1; then
    echo "$py"
    exit 0
  fi
done
echo "moto's server is missing: installing moto[server] with pip into $venv" >&2
if python3 -m venv "$venv" >&2 && "$venv/bin/python3" -m pip install --quiet 'moto[server]>=5' >&2 &&
  "$venv/bin/python3" -c 'import moto.server' >/dev/null 2>&1; then
  echo "$venv/bin/python3"
  exit 0
fi
echo "error: no Python has moto's server (tried ${candidates[*]}) and pip could not install it;" \
  "install it with python3 -m pip install 'moto[server]', or set ECOMRUN_MOTO_PYTHON to a Python that has it" >&2
exit 1
