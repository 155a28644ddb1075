"""Kandji into files with Dagster: one asset per tenant, each a `source-kandji read` subprocess (docs/orchestration.md).

Every materialization reads incrementally from the state the previous one left, appends the messages to
<data>/<tenant>/out/<time>.jsonl, and replaces <data>/<tenant>/state.json atomically with the last STATE of each
stream, exactly as examples/cron-sync.sh does. The state is also attached to the materialization as metadata, so it
is visible in the UI. A failed read (exit 1) still keeps its state, which moved only behind records already written,
and then fails the run with the connector's own error message.

    pip install dagster dagster-webserver
    npm install -g ./source-kandji-0.1.0.tgz    # the release tarball: docs/orchestration.md#install
    mkdir -p data/kandji/acme && cp config.json data/kandji/acme/    # one folder per tenant
    dagster dev -f examples/dagster_kandji.py
"""

# No `from __future__ import annotations`: Dagster reads the `context` annotation at definition time and refuses it
# as a string ("Cannot annotate `context` parameter with type dg.AssetExecutionContext").

import json
import os
import shlex
import subprocess
import threading
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

#: The connector command, e.g. "/opt/source-kandji/node_modules/.bin/source-kandji" (never `npx --yes`: the registry name is not ours).
CONNECTOR = shlex.split(os.environ.get("SOURCE_KANDJI", "source-kandji"))
#: One folder per tenant, each holding that tenant's config.json (and optionally catalog.json).
DATA = Path(os.environ.get("KANDJI_DATA_DIR", "data/kandji"))


def default_catalog(config: Path) -> dict:
    """Every stream, incrementally where it can be: the discovered catalog as a configured catalog."""
    out = subprocess.run([*CONNECTOR, "discover", "--config", str(config)], capture_output=True, text=True, check=False)
    message = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {}
    if message.get("type") != "CATALOG":
        raise dg.Failure(description=f"discover failed: {message.get('trace', {}).get('error', {}).get('message', out.stderr)}")
    streams = []
    for stream in message["catalog"]["streams"]:
        incremental = "incremental" in stream["supported_sync_modes"]
        streams.append({"stream": stream, "sync_mode": "incremental" if incremental else "full_refresh", "destination_sync_mode": "append_dedup" if incremental else "overwrite"})
    return {"streams": streams}


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def sync_tenant(tenant_dir: Path, log) -> dict:
    """One incremental read of one tenant. Returns counts and the new state; raises dg.Failure if the read failed."""
    config, catalog, state_path = tenant_dir / "config.json", tenant_dir / "catalog.json", tenant_dir / "state.json"
    if not catalog.exists():
        write_atomically(catalog, json.dumps(default_catalog(config), indent=2))
    (tenant_dir / "out").mkdir(exist_ok=True)
    out_path = tenant_dir / "out" / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.jsonl"

    previous = json.loads(state_path.read_text()) if state_path.exists() and state_path.stat().st_size else []
    states = {s["stream"]["stream_descriptor"]["name"]: s for s in previous}
    args = [*CONNECTOR, "read", "--config", str(config), "--catalog", str(catalog), "--log-format", "json"]
    if previous:
        args += ["--state", str(state_path)]

    errors: list[str] = []

    def forward_logs(stderr) -> None:
        # --log-format json: one object per line, with level and message; anything else is passed on as is.
        for line in stderr:
            try:
                entry = json.loads(line)
            except ValueError:
                log.info(line.rstrip())
                continue
            level, text = entry.get("level", "info"), entry.get("message", "")
            if level == "error":
                errors.append(text)
            {"error": log.error, "warn": log.warning, "debug": log.debug}.get(level, log.info)(text)

    records = 0
    with open(out_path, "w") as out, subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        reader = threading.Thread(target=forward_logs, args=(proc.stderr,), daemon=True)
        reader.start()
        for line in proc.stdout:
            out.write(line)
            # The connector writes `type` first; RECORD lines are the bulk and are not parsed here.
            if line.startswith('{"type":"RECORD"'):
                records += 1
            elif line.startswith('{"type":"STATE"'):
                stream = json.loads(line)["state"]["stream"]
                states[stream["stream_descriptor"]["name"]] = {"type": "STREAM", "stream": stream}
        code = proc.wait()
        reader.join()
        out.flush()
        os.fsync(out.fileno())

    # The output is on disk; only now may the state move past it.
    new_state = list(states.values())
    write_atomically(state_path, json.dumps(new_state, indent=1))
    if code != 0:
        raise dg.Failure(description=f"source-kandji read exited {code}: " + "; ".join(errors[-3:]), metadata={"output": str(out_path)})
    return {"records": records, "output": str(out_path), "state": new_state}


def kandji_asset(tenant: str) -> dg.AssetsDefinition:
    @dg.asset(name=f"kandji_{tenant}", group_name="kandji", description=f"Kandji tenant {tenant}: every stream, read incrementally.")
    def _asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        result = sync_tenant(DATA / tenant, context.log)
        return dg.MaterializeResult(
            metadata={
                "records": result["records"],
                "output": dg.MetadataValue.path(result["output"]),
                "state": dg.MetadataValue.json(result["state"]),
            }
        )

    return _asset


tenants = sorted(p.name for p in DATA.iterdir() if (p / "config.json").exists()) if DATA.exists() else []
assets = [kandji_asset(t) for t in tenants]
# Tenants have separate rate limits, so their assets can run side by side; each asset never overlaps itself within
# a schedule tick, and the state file is only ever replaced whole.
kandji_job = dg.define_asset_job("kandji_sync", selection=dg.AssetSelection.groups("kandji"))
defs = dg.Definitions(
    assets=assets,
    jobs=[kandji_job],
    schedules=[dg.ScheduleDefinition(job=kandji_job, cron_schedule="0 * * * *")],
)
