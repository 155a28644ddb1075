#!/usr/bin/env bash
# One incremental sync of one Kandji tenant, for cron or any scheduler that runs a command:
#
#   */30 * * * *  /opt/source-kandji/examples/cron-sync.sh /var/lib/kandji/acme >> /var/log/kandji-acme.log 2>&1
#
# DIR holds config.json (the connector configuration) and, optionally, catalog.json (a configured catalog; without
# one, every stream is read, incrementally where it can be, and that catalog is written to DIR/catalog.json for you
# to edit). Each run:
#
#   1. reads with the state the previous run left in DIR/state.json, writing every message to
#      DIR/out/<UTC time>.jsonl (RECORDs for your loader; `.partial` until the read has ended; a run in the same
#      second as the one before gets <UTC time>_2.jsonl);
#   2. builds the new state from the last STATE message of each stream, keeping the old state of streams this run
#      did not reach, and replaces DIR/state.json atomically (fsync a temporary file, then rename) only after the
#      output file is on disk, so a crash at any point loses nothing: at worst the next run reads some records again;
#   3. exits with the connector's code: 0 every stream complete; 1 a stream failed (its state still moved only
#      behind records already written, so keeping it is right); 2 a usage mistake; 143 or 130 when SIGTERM or
#      Ctrl-C stopped it (passed on to the read, which stops cleanly; its state is merged as in step 2).
#
# Two runs for the same DIR never overlap: the second exits 75 (EX_TEMPFAIL) at once.
# SOURCE_KANDJI is the command to run, default `source-kandji`, installed from a release tarball or the git repository
# (docs/orchestration.md#install; never `npx --yes source-kandji`: that name on the npm registry is not ours); for
# example SOURCE_KANDJI="docker run --rm -i -v /var/lib/kandji:/var/lib/kandji source-kandji:0.2.0".
# Extra arguments after DIR go to `read` (e.g. --log-format json).
# Needs bash and node (for the JSON steps; any Node from 18).
set -euo pipefail

dir=${1:?usage: cron-sync.sh DIR [read options…]}
shift
read -r -a connector <<< "${SOURCE_KANDJI:-source-kandji}"
config="$dir/config.json"
catalog="$dir/catalog.json"
state="$dir/state.json"
mkdir -p "$dir/out"

# One run at a time per DIR. flock releases the lock when the process dies, even by SIGKILL; without flock (macOS)
# a lock directory is used, which a killed run leaves behind: remove DIR/.lock.d by hand then.
if command -v flock > /dev/null; then
  exec 9> "$dir/.lock"
  flock -n 9 || { echo "cron-sync: a sync of $dir is already running" >&2; exit 75; }
else
  mkdir "$dir/.lock.d" 2> /dev/null || { echo "cron-sync: a sync of $dir is already running (or $dir/.lock.d is stale)" >&2; exit 75; }
  trap 'rmdir "$dir/.lock.d"' EXIT
fi

if [[ ! -s $catalog ]]; then
  "${connector[@]}" discover --config "$config" | node -e '
    let text = "";
    process.stdin.on("data", (d) => (text += d)).on("end", () => {
      const message = JSON.parse(text.trim().split("\n").pop() || "{}");
      if (message.type !== "CATALOG") {
        console.error(`cron-sync: discover failed: ${message.trace?.error?.message ?? "no catalog"}`);
        process.exit(1);
      }
      const catalog = message.catalog;
      const streams = catalog.streams.map((stream) => {
        const incremental = stream.supported_sync_modes.includes("incremental");
        return { stream, sync_mode: incremental ? "incremental" : "full_refresh", destination_sync_mode: incremental ? "append_dedup" : "overwrite" };
      });
      require("fs").writeFileSync(process.argv[1], JSON.stringify({ streams }, null, 2) + "\n");
    });' "$catalog"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$dir/out/$stamp.jsonl"
# A run in the same second as the last one (a retry) gets a file of its own, never the last run's, which a loader may
# not have read yet.
n=1
while [[ -e $out || -e $out.partial ]]; do
  n=$((n + 1))
  out="$dir/out/${stamp}_$n.jsonl"
done
args=(read --config "$config" --catalog "$catalog")
[[ -s $state ]] && args+=(--state "$state")
code=0
# SIGTERM or Ctrl-C (a scheduler cancelling, a timeout) goes to the read, which stops cleanly: the state of what it
# printed is still merged below, and the script exits with the read's 143 or 130.
"${connector[@]}" "${args[@]}" "$@" > "$out.partial" &
reader=$!
trap 'kill -TERM "$reader" 2> /dev/null || true' TERM INT
wait "$reader" || code=$?
# A trapped signal ends `wait` early (with 128 + signal): wait again for the read's own exit code.
while kill -0 "$reader" 2> /dev/null; do
  code=0
  wait "$reader" || code=$?
done
trap - TERM INT
mv "$out.partial" "$out"

# STATE lines start with {"type":"STATE" (the connector writes `type` first); anchoring the match keeps a record
# whose data happens to contain that text from being taken for one.
{ grep '^{"type":"STATE"' "$out" || true; } | node -e '
  const fs = require("fs");
  const [out, previous] = process.argv.slice(1);
  const states = new Map();
  if (fs.existsSync(previous) && fs.statSync(previous).size > 0)
    for (const s of JSON.parse(fs.readFileSync(previous, "utf8"))) states.set(s.stream.stream_descriptor.name, s);
  let text = "";
  process.stdin.on("data", (d) => (text += d)).on("end", () => {
    for (const line of text.split("\n")) {
      if (!line) continue;
      const { state } = JSON.parse(line);
      states.set(state.stream.stream_descriptor.name, { type: "STREAM", stream: state.stream });
    }
    const sync = (path) => { const fd = fs.openSync(path, "r"); fs.fsyncSync(fd); fs.closeSync(fd); };
    sync(out);
    const tmp = `${previous}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify([...states.values()], null, 1) + "\n");
    sync(tmp);
    fs.renameSync(tmp, previous);
  });' "$out" "$state"

records=$(grep -c '^{"type":"RECORD"' "$out" || true)
echo "cron-sync: $(date -u +%FT%TZ) $dir: exit $code, $records records in $out, state in $state" >&2
exit "$code"
