/**
 * The transform on a simulated tenant's real history: syncs on several simulated days (advance() between them
 * changes FileVault on some Macs and deletes some devices), one failed sync in between, a rerun of the last sync,
 * and the same history read from JSONL and from Parquet.
 *
 *   D1 2026-01-05  complete sync
 *   D2 2026-01-06  complete sync      after advance(24): FileVault off on some Macs, a device or two deleted
 *   D3 2026-01-07  failed sync        after advance(24): a token without the Users permission; devices complete
 *   D4 2026-01-08  complete sync      after advance(24); then the same sync again, with the clock unmoved
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { wholeRebuildMemoryLimit } from '../../transforms/memory.ts';
import { fleetSummary, formatFleetSummary, runTransform, type TransformResult } from '../../transforms/run.ts';
import { STREAMS } from '../../streams/index.ts';
import { runCli } from '../support/cli.ts';
import { differences, query, syncSim } from './helpers.ts';
import { defaultCatalog } from '../../source/catalog.ts';

const ALL = ['raw', 'staging', 'intermediate', 'snapshots', 'marts'];
const list = (ids: string[]) => ids.map((id) => `'${id}'`).join(', ');

describe('transform on a simulated tenant', () => {
  let sim: Simulator;
  let dir: string;
  /** Built after D4's first sync, before its rerun. */
  let beforeRerun: string;
  /** Built after the rerun: DIR/kandji.duckdb, from Parquet (the default where a run wrote both formats). */
  let afterRerun: TransformResult;
  /** Macs whose FileVault was on at D1 and off at D2, still enrolled. */
  let fileVaultOff: string[];
  /** Devices deleted between D2 and D3, i.e. missing from D3's failed sync. */
  let deletedBeforeFailedSync: string[];
  /** Devices deleted between D1 and D2. */
  let deletedBeforeD2: string[];
  const statuses: string[] = [];

  beforeAll(async () => {
    // 600 devices delete at least one a day; a quarter of them change a day, so some Macs turn FileVault off.
    sim = await startSimulator({
      devices: 600,
      seed: 5,
      dailyChangeRate: 0.25,
      rateLimit: { perSecond: 100_000, perHour: 10_000_000 },
      keepLog: false,
    });
    dir = mkdtempSync(join(tmpdir(), 'kandji-transform-sim-'));
    const t = sim.tenant;

    statuses.push((await syncSim(sim, dir)).status);
    const wasOn = new Set([...t.deviceIndices()].filter((i) => t.device(i).filevault));
    const day2 = sim.advance(24);
    fileVaultOff = day2.changed
      .filter((c) => c.kind === 'filevault' && wasOn.has(c.device) && t.exists(c.device) && !t.device(c.device).filevault)
      .map((c) => t.deviceId(c.device));
    deletedBeforeD2 = day2.deleted.map((i) => t.deviceId(i));
    statuses.push((await syncSim(sim, dir)).status);

    deletedBeforeFailedSync = sim.advance(24).deleted.map((i) => t.deviceId(i));
    const noUsers = sim.addToken(['Device list', 'Device details', 'Prism', 'Blueprints', 'Library items', 'Audit log', 'Tags']);
    // Every stream asked for (without a catalog, sync would leave out the one the token cannot read): users fails.
    statuses.push((await syncSim(sim, dir, { token: noUsers, catalog: defaultCatalog() })).status);

    sim.advance(24);
    statuses.push((await syncSim(sim, dir)).status);
    beforeRerun = (await runTransform({ dataDir: dir, dbPath: join(dir, 'before-rerun.duckdb') })).dbPath;
    statuses.push((await syncSim(sim, dir)).status);
    afterRerun = await runTransform({ dataDir: dir });
  }, 240_000);

  afterAll(async () => {
    await sim?.close();
    // Four synced days of 600 devices in both formats, and five databases: over 100 MB.
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ran the history it describes', () => {
    expect(statuses).toEqual(['complete', 'complete', 'failed', 'complete', 'complete']);
    expect(fileVaultOff.length).toBeGreaterThan(0);
    expect(deletedBeforeD2.length).toBeGreaterThan(0);
    expect(deletedBeforeFailedSync.length).toBeGreaterThan(0);
  });

  it('a Mac whose FileVault turns off is non-compliant from that day in compliance_daily, and stays compliant the day before', async () => {
    const rows = await query(
      beforeRerun,
      `select device_id, strftime(snapshot_date, '%Y-%m-%d') as day, filevault_enabled, filevault_ok, is_compliant, failing_checks
       from marts.compliance_daily where device_id in (${list(fileVaultOff)}) and snapshot_date <= '2026-01-06' order by device_id, day`,
    );
    expect(rows).toHaveLength(2 * fileVaultOff.length);
    for (const id of fileVaultOff) {
      const [d1, d2] = rows.filter((r) => r.device_id === id);
      expect(d1, id).toMatchObject({ day: '2026-01-05', filevault_enabled: true });
      expect(d2, id).toMatchObject({ day: '2026-01-06', filevault_enabled: false, filevault_ok: false, is_compliant: false });
      expect(d2?.failing_checks, id).toContain('filevault');
      // On D1 FileVault fails only where its key was not escrowed.
      expect(d1?.failing_checks.includes('filevault'), id).toBe(d1?.filevault_ok === false);
    }
    // Among them, Macs that passed every check on D1: FileVault is the one thing that changed their verdict.
    const turned = fileVaultOff.filter((id) => rows.find((r) => r.device_id === id && r.day === '2026-01-05')?.is_compliant);
    expect(turned.length).toBeGreaterThan(0);
    for (const id of turned) expect(rows.find((r) => r.device_id === id && r.day === '2026-01-06')?.failing_checks).toEqual(['filevault']);
  });

  it('a deleted device is removed on the day of the next complete sync, and never by the failed sync in between', async () => {
    const rows = await query(
      beforeRerun,
      `select device_id, strftime(snapshot_date, '%Y-%m-%d') as day, is_listed, is_removed, strftime(removed_on, '%Y-%m-%d') as removed_on
       from snapshots.snp_devices_daily where device_id in (${list([...deletedBeforeD2, ...deletedBeforeFailedSync])}) order by device_id, day`,
    );
    for (const id of deletedBeforeFailedSync) {
      expect(rows.filter((r) => r.device_id === id).map(({ device_id: _, ...r }) => r)).toEqual([
        { day: '2026-01-05', is_listed: true, is_removed: false, removed_on: null },
        { day: '2026-01-06', is_listed: true, is_removed: false, removed_on: null },
        // The failed sync's complete devices list lacks it: carried, not removed.
        { day: '2026-01-07', is_listed: false, is_removed: false, removed_on: null },
        { day: '2026-01-08', is_listed: false, is_removed: true, removed_on: '2026-01-08' },
      ]);
    }
    for (const id of deletedBeforeD2) {
      expect(rows.filter((r) => r.device_id === id).map((r) => [r.day, r.is_removed, r.removed_on])).toEqual([
        ['2026-01-05', false, null],
        ['2026-01-06', true, '2026-01-06'],
        ['2026-01-07', true, '2026-01-06'],
        ['2026-01-08', true, '2026-01-06'],
      ]);
    }
    const daily = await query(
      beforeRerun,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, sum(removed)::integer as removed from marts.fleet_health_daily group by all order by day`,
    );
    expect(daily.find((d) => d.day === '2026-01-07')?.removed).toBe(0);
    expect(daily.find((d) => d.day === '2026-01-06')?.removed).toBe(deletedBeforeD2.length);
    const current = await query(
      beforeRerun,
      `select device_id, health_status from marts.fleet_health where device_id in (${list(deletedBeforeFailedSync)})`,
    );
    expect(current.map((r) => r.health_status)).toEqual(deletedBeforeFailedSync.map(() => 'removed'));
    expect(
      await query(beforeRerun, `select count(*)::integer as n from marts.compliance where device_id in (${list(deletedBeforeFailedSync)})`),
    ).toEqual([{ n: 0 }]);
  });

  it('a rerun of the same sync adds no rows to staging, snapshots or marts', async () => {
    const first = afterRerun;
    const [runs] = await query(first.dbPath, `select count(*)::integer as runs, count(distinct synced_at)::integer as times from raw.runs`);
    // The rerun is a run of its own, at the same tenant time as D4's.
    expect(runs).toEqual({ runs: 5, times: 4 });
    expect(first.tables['raw.devices']).toBeGreaterThan((await query(beforeRerun, `select count(*)::integer as n from raw.devices`))[0]?.n);
    // Models of one row per run (the base views' history, int_device_presence_tracked) gain the rerun's rows by
    // design; every model keyed by day or by key holds exactly the rows it held before the rerun.
    const changed = await differences(
      beforeRerun,
      first.dbPath,
      ['marts', 'snapshots', 'intermediate', 'staging'],
      /^(run_id|run_seq|device_record_synced_at)$/,
    );
    const perRun = /^(staging\.base_|intermediate\.int_device_presence_tracked$)/;
    // Models whose grain is the runs themselves (the tenants' sync status, the tenants dimension's last sync) describe
    // the rerun too: they are not the data the rerun must leave alone.
    const ofRuns = /^marts\.(sync_status(_daily)?|tenants)$/;
    for (const id of Object.keys(changed)) if (ofRuns.test(id)) delete changed[id];
    // Streams read per device in a rolling window (device activity and commands, device library items) read more
    // devices on a rerun: the devices the first run's cap left out. Their history rows may grow, never change or go
    // (the check below); a state stream's rows (device library items) are replaced by the newer reads, key for key,
    // and so is the evidence built on them (the screen lock and EDR controls): the same keys, newer values.
    const rollingStreams = STREAMS.filter((st) => st.plan.kind === 'per-device' && 'maxPerSync' in st.plan).map((st) => st.name);
    const rolling = new Set(rollingStreams.map((name) => `staging.stg_kandji__${name}`));
    const rollingState = new Set([
      ...rollingStreams.flatMap((name) => [`staging.stg_kandji__${name}`, `snapshots.snp_kandji__${name}_daily`]),
      'intermediate.int_security_items_evidenced',
      'intermediate.int_control_evidence_evaluated',
      'marts.control_evidence_daily',
    ]);
    expect(Object.keys(changed).filter((id) => !perRun.test(id) && !rolling.has(id) && !rollingState.has(id))).toEqual([]);
    const counts = (id: string) =>
      /^(\d+) rows only in the first, (\d+) only in the second$/
        .exec(changed[id] as string)
        ?.slice(1)
        .map(Number);
    for (const id of Object.keys(changed)) {
      const [first, second] = counts(id) ?? [Number.NaN, Number.NaN];
      if (rollingState.has(id) && first !== 0) expect(first, id).toBe(second);
      else expect([id, first], id).toEqual([id, 0]);
    }
  });

  it('builds the same database from JSONL as from Parquet', async () => {
    const fromJsonl = await runTransform({ dataDir: dir, dbPath: join(dir, 'jsonl.duckdb'), format: 'jsonl' });
    const fromParquet = afterRerun;
    const formats = await query(fromJsonl.dbPath, `select distinct file_format from raw.run_streams where file is not null`);
    expect(formats).toEqual([{ file_format: 'jsonl' }]);
    expect(await query(fromParquet.dbPath, `select distinct file_format from raw.run_streams where file is not null`)).toEqual([
      { file_format: 'parquet' },
    ]);
    expect(fromJsonl.tables).toEqual(fromParquet.tables);
    expect(await differences(fromJsonl.dbPath, fromParquet.dbPath, ALL, /^(file|file_format)$/)).toEqual({});
    // A whole transform of four days of 600 devices: about 5 s of CPU, far more on a shared, loaded machine.
  }, 180_000);

  it('`source-kandji transform` run again on the same data builds the same database, prints its fleet summary and writes the report', async () => {
    const db = join(dir, 'cli.duckdb');
    const result = await runCli(['transform', '--data', dir, '--db', db, '--report', join(dir, 'cli-report.html')], { text: true });
    expect(result.code, result.stderr).toBe(0);
    // A first build works over every run: without --memory-limit it takes half the machine's memory, and says so.
    const whole = wholeRebuildMemoryLimit();
    expect(result.stderr).toContain(`transform: a first build, built over every run: memory limit ${whole.limit}, ${whole.basis}`);
    expect(await differences(afterRerun.dbPath, db, ALL)).toEqual({});
    const summary = await fleetSummary(db);
    expect(result.stdout).toContain(formatFleetSummary(summary));
    expect(result.stdout).toContain(`report: ${join(dir, 'cli-report.html')}`);
    const [counted] = await query(
      db,
      `select count(*)::integer as devices, count(*) filter (where is_healthy)::integer as healthy from marts.fleet_health where not is_removed`,
    );
    expect({ devices: summary.devices, healthy: summary.healthy }).toEqual(counted);
    expect(summary.snapshotDate).toBe('2026-01-08');
    // So does --full-rebuild; a nightly build, with nothing to build over every run, keeps the nightly default.
    const full = await runCli(['transform', '--data', dir, '--db', db, '--no-report', '--full-rebuild'], { text: true });
    expect(full.code, full.stderr).toBe(0);
    expect(full.stderr).toContain(`transform: --full-rebuild, built over every run: memory limit ${whole.limit}`);
    const nightly = await runCli(['transform', '--data', dir, '--db', db, '--no-report'], { text: true });
    expect(nightly.code, nightly.stderr).toBe(0);
    expect(nightly.stderr).toContain('incremental: no new run');
    expect(nightly.stderr).not.toContain('built over every run');
  }, 300_000);

  it('a transform that runs out of its memory limit says how to give it more, exits 1 and leaves the last database as it was', async () => {
    const db = join(dir, 'small-memory.duckdb');
    copyFileSync(afterRerun.dbPath, db);
    const result = await runCli(['transform', '--data', dir, '--db', db, '--no-report', '--memory-limit', '16MB'], { text: true });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('Out of Memory Error');
    expect(result.stderr).toContain('the transform ran out of its memory limit (16MB): run it again with --memory-limit 4000MB');
    expect(await differences(afterRerun.dbPath, db, ALL)).toEqual({});
    // A first build's own limit (half the machine) gives way to the one named: it builds, and says nothing of it.
    const named = await runCli(
      ['transform', '--data', dir, '--db', join(dir, 'named-memory.duckdb'), '--no-report', '--memory-limit', '3GB'],
      {
        text: true,
      },
    );
    expect(named.code, named.stderr).toBe(0);
    expect(named.stderr).toContain('raw: 5 runs: 5 loaded');
    expect(named.stderr).not.toContain('built over every run');
    const refused = await runCli(['transform', '--data', dir, '--db', db, '--memory-limit', 'plenty'], { text: true });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('"plenty" is not a size: give a number and a unit, e.g. 4GB or 3500MB');
  }, 180_000);
});
