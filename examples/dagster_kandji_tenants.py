"""Many Kandji tenants with Dagster: a static partition per tenant, then one set of marts over all of them.

Each partition of `kandji_tenant_files` is one tenant: its materialization runs `source-kandji sync --root DATA` with
that tenant's configuration, in its own process, into DATA/<tenant>/ (its own state.json, files and run manifests).
Tenants have separate rate limits, so their runs can go side by side (Dagster's run queue sets how many). A failed
tenant fails only its own partition, with the reason from its run manifest (a revoked token says HTTP 401).
`kandji_marts` then runs `source-kandji transform --data DATA` over every tenant: marts keyed by tenant_id, with
sync_status showing each tenant's last complete sync and last failure.

    pip install dagster dagster-webserver
    npm install -g ./source-kandji-0.2.0.tgz    # the release tarball: docs/orchestration.md#install
    mkdir -p kandji/configs && cp acme.json globex.json kandji/configs/     # one connector configuration per tenant
    KANDJI_CONFIGS=kandji/configs KANDJI_DATA_ROOT=kandji/data dagster dev -f examples/dagster_kandji_tenants.py
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import dagster as dg

#: The connector command, e.g. "/opt/source-kandji/node_modules/.bin/source-kandji" (never `npx --yes`: the registry name is not ours).
CONNECTOR = shlex.split(os.environ.get("SOURCE_KANDJI", "source-kandji"))
#: One connector configuration per tenant; the file name (without .json) is the partition key.
CONFIGS = Path(os.environ.get("KANDJI_CONFIGS", "kandji/configs"))
#: The data root: DATA/<tenant>/ per tenant, DATA/kandji.duckdb and DATA/report.html for all of them.
DATA = Path(os.environ.get("KANDJI_DATA_ROOT", "kandji/data"))


def forward(stderr: str, log) -> list[str]:
    """The connector's JSON log lines (--log-format json) into Dagster's log at their level; returns the errors."""
    errors = []
    for line in stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            log.info(line)
            continue
        level, text = entry.get("level", "info"), entry.get("message", "")
        if level == "error":
            errors.append(text)
        {"error": log.error, "warn": log.warning, "debug": log.debug}.get(level, log.info)(text)
    return errors


def sync_tenant(config: Path, log) -> dict:
    """One `sync` of one tenant into DATA/<tenant>/. Returns its run manifest; raises dg.Failure with the reason."""
    args = [*CONNECTOR, "sync", "--config", str(config), "--root", str(DATA), "--log-format", "json"]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    errors = forward(proc.stderr, log)
    # stdout: "<status>: run <run_id>, <n> records, <m> requests → <folder>"
    line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if " → " not in line:
        raise dg.Failure(description=f"source-kandji sync exited {proc.returncode}: " + "; ".join(errors[-3:]))
    run_id = line.split("run ", 1)[1].split(",", 1)[0]
    folder = Path(line.rsplit(" → ", 1)[1])
    manifest = json.loads((folder / "_runs" / f"{run_id}.json").read_text())
    if proc.returncode != 0:
        reasons = [f"{f.get('stream', 'run')}: {f['message']}" for f in manifest.get("failures", [])]
        raise dg.Failure(
            description=f"tenant {manifest.get('tenant')}: sync {manifest['status']}: " + "; ".join(reasons[:3]),
            metadata={"run_id": run_id, "failures": dg.MetadataValue.json(manifest.get("failures", []))},
        )
    return manifest


tenants = dg.StaticPartitionsDefinition(sorted(p.stem for p in CONFIGS.glob("*.json")) if CONFIGS.exists() else [])


@dg.asset(partitions_def=tenants, group_name="kandji", description="One Kandji tenant's files under DATA/<tenant>/.")
def kandji_tenant_files(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    manifest = sync_tenant(CONFIGS / f"{context.partition_key}.json", context.log)
    records = sum(s["records"] for s in manifest["streams"].values())
    return dg.MaterializeResult(
        metadata={"tenant": manifest.get("tenant"), "run_id": manifest["run_id"], "records": records, "requests": manifest["requests"]}
    )


@dg.asset(deps=[kandji_tenant_files], group_name="kandji", description="DuckDB marts over every tenant, keyed by tenant_id.")
def kandji_marts(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    proc = subprocess.run([*CONNECTOR, "transform", "--data", str(DATA), "--log-format", "json"], capture_output=True, text=True, check=False)
    errors = forward(proc.stderr, context.log)
    if proc.returncode != 0:
        raise dg.Failure(description="source-kandji transform failed: " + "; ".join(errors[-3:]))
    return dg.MaterializeResult(metadata={"database": dg.MetadataValue.path(str(DATA / "kandji.duckdb")), "summary": proc.stdout})


sync_job = dg.define_asset_job("kandji_tenants_sync", selection=dg.AssetSelection.assets(kandji_tenant_files), partitions_def=tenants)
marts_job = dg.define_asset_job("kandji_marts", selection=dg.AssetSelection.assets(kandji_marts))


@dg.schedule(cron_schedule="0 * * * *", job=sync_job)
def every_tenant_hourly(context: dg.ScheduleEvaluationContext):
    """One run per tenant each hour, each its own process: a failure in one never hides or stops the others."""
    hour = context.scheduled_execution_time.strftime("%Y%m%dT%H")
    for key in tenants.get_partition_keys():
        yield dg.RunRequest(run_key=f"{key}-{hour}", partition_key=key)


defs = dg.Definitions(
    assets=[kandji_tenant_files, kandji_marts],
    jobs=[sync_job, marts_job],
    # The marts after the tenants have had most of the hour; a tenant still running keeps its previous days.
    schedules=[every_tenant_hourly, dg.ScheduleDefinition(job=marts_job, cron_schedule="45 * * * *")],
)
