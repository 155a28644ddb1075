#!/usr/bin/env bash
# Creates (or reuses) the project-local Python environment .venv/NAME from python/NAME.txt, pinned versions only,
# and prints its directory. Each tool gets its own environment: PyAirbyte, Meltano, Dagster, Airflow and sqlfluff
# pin conflicting versions of the same libraries. An environment is rebuilt when its requirements file changes.
#
#   scripts/python-env.sh sqlfluff      → .venv/sqlfluff (then .venv/sqlfluff/bin/sqlfluff)
set -euo pipefail
name="${1:?usage: scripts/python-env.sh NAME   (NAME is a file python/NAME.txt)}"
root="$(cd "$(dirname "$0")/.." && pwd)"
requirements="$root/python/$name.txt"
venv="$root/.venv/$name"
[[ -f "$requirements" ]] || { echo "python-env: no $requirements" >&2; exit 2; }
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "python-env: $python not found; install Python 3.11 (Debian: apt-get install python3 python3-venv)" >&2; exit 3; }
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "python-env: installing $name into .venv/$name (once; reused while python/$name.txt is unchanged)" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements" >&2
  echo "$want" >"$stamp"
fi
echo "$venv"
