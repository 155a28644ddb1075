#!/usr/bin/env bash
# Sync every Kandji tenant into one data root, each tenant in its own process, then build one set of marts over all
# of them (docs/orchestration.md, "Many tenants"):
#
#   0 * * * *  /opt/source-kandji/examples/sync_tenants.sh /etc/kandji/tenants /var/lib/kandji >> /var/log/kandji.log 2>&1
#
# CONFIGS holds one connector configuration per tenant (*.json), each with its own token and, to name the tenant
# other than by its subdomain, `tenant`. Each tenant syncs with `source-kandji sync --root DATA`, into DATA/<tenant>/
# with its own state.json, files and run manifests. KANDJI_PARALLEL tenants run at a time (default 4): their rate
# limits are separate, so they do not slow each other down. A tenant that fails (a revoked token, a spent budget)
# stops only its own process: its run manifest records why, the others go on, and `transform` shows it per tenant in
# marts.sync_status. Then `source-kandji transform --data DATA` builds DATA/kandji.duckdb and DATA/report.html.
#
# Exit code: 0 every tenant synced and the marts were built; 1 a tenant failed or the transform did (the other
# tenants' data is in place either way); 75 another run of this script holds DATA; 2 a usage mistake.
# SOURCE_KANDJI is the command to run, default `source-kandji`; KANDJI_FORMAT the file format, default parquet.
set -euo pipefail

configs=${1:?usage: sync_tenants.sh CONFIGS DATA}
data=${2:?usage: sync_tenants.sh CONFIGS DATA}
parallel=${KANDJI_PARALLEL:-4}
format=${KANDJI_FORMAT:-parquet}
read -r -a connector <<< "${SOURCE_KANDJI:-source-kandji}"
mkdir -p "$data"
shopt -s nullglob
tenants=("$configs"/*.json)
if ((${#tenants[@]} == 0)); then
  echo "sync_tenants: no tenant configurations (*.json) in $configs" >&2
  exit 2
fi

# One run at a time per data root: two transforms must not replace the database under each other, and two syncs of
# one tenant would share its rate limit and race on its state.
if command -v flock > /dev/null; then
  exec 9> "$data/.lock"
  flock -n 9 || { echo "sync_tenants: another run holds $data" >&2; exit 75; }
else
  mkdir "$data/.lock.d" 2> /dev/null || { echo "sync_tenants: another run holds $data (or $data/.lock.d is stale)" >&2; exit 75; }
  trap 'rmdir "$data/.lock.d"' EXIT
fi

# Each tenant in its own process, its lines prefixed with its config's name; at most $parallel at once.
pids=()
names=()
for config in "${tenants[@]}"; do
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
  name=$(basename "$config" .json)
  ("${connector[@]}" sync --config "$config" --root "$data" --format "$format" 2>&1 | sed -u "s/^/[$name] /") &
  pids+=($!)
  names+=("$name")
done
failed=()
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed+=("${names[$i]}")
done

# The marts are built even when a tenant failed: its earlier days stay, and sync_status shows the failure.
code=0
"${connector[@]}" transform --data "$data" || code=1
if ((${#failed[@]} > 0)); then
  echo "sync_tenants: ${#failed[@]} of ${#tenants[@]} tenants failed: ${failed[*]} (see marts.sync_status and each tenant's _runs/)" >&2
  code=1
fi
exit "$code"
