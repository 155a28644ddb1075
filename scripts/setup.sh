#!/usr/bin/env bash
# `npm run setup`: installs, once, what the tests use but `npm test` never installs (README "Set-up").
#  - Debian's chromium, for the report test: with apt-get when run as root; otherwise the command is printed.
#  - The real clients of test/clients/, one project-local virtual environment per tool from its pinned file in
#    python/ (scripts/python-env.sh): PyAirbyte, Meltano, Dagster, Airflow.
#  - sqlfluff, the SQL linter `npm test` runs (it would create its environment on first use anyway).
#  - Meltano's loader target-jsonl, installed by Meltano itself from examples/meltano.yml into .venv/meltano-project,
#    with python/target-jsonl.txt as pip constraints so its dependencies are pinned too.
# Running it again redoes only what changed (a requirements file, the Meltano example).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian chromium for the report test (apt-get install chromium)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: /usr/bin/chromium is missing; install it with: sudo apt-get install -y chromium" >&2
  fi
fi

# The tools pin conflicting versions of the same libraries, hence one environment each; built side by side.
pids=()
for tool in sqlfluff pyairbyte meltano dagster airflow; do
  scripts/python-env.sh "$tool" >/dev/null &
  pids+=("$!")
done
for pid in "${pids[@]}"; do wait "$pid"; done

project=.venv/meltano-project
want="$(cat python/target-jsonl.txt examples/meltano.yml examples/plugins/loaders/*.lock | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$project/.setup.sha256" 2>/dev/null)" != "$want" ]]; then
  echo "setup: installing Meltano's loader target-jsonl into $project" >&2
  rm -rf "$project" && mkdir -p "$project"
  cp examples/meltano.yml "$project/" && cp -R examples/plugins "$project/"
  (cd "$project" && PIP_CONSTRAINT="$root/python/target-jsonl.txt" MELTANO_SEND_ANONYMOUS_USAGE_STATS=false \
    "$root/.venv/meltano/bin/meltano" install >/dev/null 2>meltano-install.log) ||
    { cat "$project/meltano-install.log" >&2; exit 1; }
  echo "$want" >"$project/.setup.sha256"
fi
echo "setup: done (chromium: $([[ -x /usr/bin/chromium ]] && echo present || echo missing); Python clients in .venv/)" >&2
