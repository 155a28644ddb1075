"""Drives source-kandji through PyAirbyte for test/clients/pyairbyte.test.ts. One process per step; the result is a
JSON file, because PyAirbyte prints its own lines on stdout.

    python pyairbyte_run.py STEP EXECUTABLE CONFIG CACHE_DIR RESULT [CATALOG] [STATE]

STEP:
  all    spec, check, discover, then a read of every stream (or CATALOG's streams) into the DuckDB cache in CACHE_DIR
  read   a read into the same cache, which resumes from the state PyAirbyte saved there

With INVALID_CONFIG in the environment (a path), `all` ends with a `check` of that config, which must fail: its error
goes to `invalid_check_error`, and what PyAirbyte logs about it is not counted in `problems`.

With STATE (an Airbyte state array such as integration_tests/abnormal_state.json) the state is saved into the cache
first, as if an earlier sync had left it. `problems` lists every line at WARNING or above that PyAirbyte wrote to its
logs (its own, and the connector's LOG messages it relays) and every warning it raised, except those about the
libraries themselves (deprecations, experimental classes): the test fails on any of them.
"""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
from pathlib import Path

step, executable, config_path, cache_dir, result_path = sys.argv[1:6]
catalog_path = sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] else None
state_path = sys.argv[7] if len(sys.argv) > 7 and sys.argv[7] else None
logs = Path(cache_dir) / "logs"
os.environ["AIRBYTE_LOGGING_ROOT"] = str(logs)  # read at import

problems: list[str] = []
# About the libraries, not the connector: deprecations, and PyAirbyte leaving its own log files open.
LIBRARY_NOISE = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ResourceWarning)
warnings.simplefilter("always")


def collect(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, LIBRARY_NOISE) or category.__name__ == "ExperimentalClassWarning":
        return
    problems.append(f"{category.__name__}: {message} ({filename}:{lineno})")


warnings.showwarning = collect


def logged_problems() -> list[str]:
    """Lines at WARNING or above in PyAirbyte's log files so far."""
    return [
        f"{log.name}: {line}"
        for log in sorted(logs.rglob("*.log"))
        for line in log.read_text(errors="replace").splitlines()
        if re.search(r" - (WARNING|ERROR|CRITICAL) - ", line)
    ]


import airbyte as ab  # noqa: E402  (after the hooks: import-time warnings count too)
from airbyte_protocol.models import AirbyteStateMessage  # noqa: E402
from sqlalchemy import text  # noqa: E402

config = json.loads(Path(config_path).read_text())
streams = [s["stream"]["name"] for s in json.loads(Path(catalog_path).read_text())["streams"]] if catalog_path else "*"
out: dict = {}
logs_scanned = False
try:
    source = ab.get_source("source-kandji", config=config, local_executable=executable, streams=streams)
    if step == "all":
        out["spec_properties"] = sorted(source.config_spec["properties"])
        source.check()
        out["checked"] = True
    if step in ("all", "read"):
        out["discovered"] = sorted(source.get_available_streams())
        cache = ab.DuckDBCache(db_path=str(Path(cache_dir) / "kandji.duckdb"), cache_dir=str(Path(cache_dir) / "files"))
        if state_path:
            writer = cache.get_state_writer(source_name=source.name)
            for message in json.loads(Path(state_path).read_text()):
                writer.write_state(AirbyteStateMessage.model_validate(message))
        result = source.read(cache=cache)
        out["processed"] = result.processed_records
        # Records PyAirbyte received per stream in this read (its progress tracker holds the only per-stream count).
        out["read_counts"] = dict(result._progress_tracker.stream_read_counts)  # noqa: SLF001
        with cache.get_sql_engine().connect() as conn:
            out["rows"] = {
                name: conn.execute(text(f'SELECT count(*) FROM "{cache.schema_name}"."{name}"')).scalar() for name in result.streams
            }
        provider = cache.get_state_provider(source_name=source.name)
        out["state"] = {
            s.stream_descriptor.name: s.stream_state.model_dump() if s.stream_state else None
            for s in provider.stream_state_artifacts
        }
    problems += logged_problems()  # now, before the check that is meant to fail
    logs_scanned = True
    if step == "all" and os.environ.get("INVALID_CONFIG"):
        invalid = ab.get_source("source-kandji", config=json.loads(Path(os.environ["INVALID_CONFIG"]).read_text()), local_executable=executable)
        try:
            invalid.check()
            out["invalid_check_error"] = None
        except Exception as error:  # expected: the connector answered FAILED
            out["invalid_check_error"] = f"{type(error).__name__}: {error}"
except Exception as error:  # the test reads the error; a traceback on stderr says where
    out["error"] = f"{type(error).__name__}: {error}"
    import traceback

    traceback.print_exc()

out["problems"] = problems if logs_scanned else problems + logged_problems()
Path(result_path).write_text(json.dumps(out, default=str))
