"""Kandji with Airflow: one BashOperator per tenant running examples/cron-sync.sh (docs/orchestration.md).

The script does the whole job — read with the previous state, keep the messages, replace the state atomically with
the last STATE per stream, refuse to overlap itself — so the DAG only schedules it. Its exit code is the task's:
0 success; 1 a stream failed (the state is kept, the task fails and is retried); 75 another run of that tenant is
still going (the task is skipped, not failed); 2 a usage mistake.

Put this file in your dags/ folder and set:
    KANDJI_DATA_DIR   one folder per tenant, each with its config.json   (default /var/lib/kandji)
    KANDJI_CRON_SYNC  path of examples/cron-sync.sh                      (default next to this file)
    SOURCE_KANDJI     the connector command                               (default source-kandji)
and create the pool the tasks share: `airflow pools set kandji 4 "Kandji syncs"`. Airflow 2.6+ (skip_on_exit_code) or 3.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

DATA = Path(os.environ.get("KANDJI_DATA_DIR", "/var/lib/kandji"))
CRON_SYNC = os.environ.get("KANDJI_CRON_SYNC", str(Path(__file__).with_name("cron-sync.sh")))
TENANTS = sorted(p.name for p in DATA.iterdir() if (p / "config.json").exists()) if DATA.exists() else []

with DAG(
    dag_id="kandji_sync",
    description="Incremental Kandji syncs, one task per tenant",
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    # A run that is still going when the next is due makes the next wait: state is per tenant and sequential.
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["kandji"],
) as dag:
    for tenant in TENANTS:
        BashOperator(
            task_id=f"sync_{tenant}",
            # The trailing space keeps Airflow from reading a command that ends in .sh as a Jinja template file.
            bash_command=f"bash {CRON_SYNC} {DATA / tenant} --log-format json ",
            env={"SOURCE_KANDJI": os.environ.get("SOURCE_KANDJI", "source-kandji"), "PATH": os.environ.get("PATH", "")},
            append_env=True,
            # Exit 75: another run of this tenant holds its lock; skip rather than fail.
            skip_on_exit_code=75,
            # Tenants have separate rate limits; a pool bounds how many reads this worker runs at once.
            pool="kandji",
            execution_timeout=timedelta(hours=3),
        )
