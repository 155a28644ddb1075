#!/usr/bin/env node
/**
 * `source-kandji`: the connector's command line. Protocol commands print Airbyte messages on stdout, one per line
 * (Singer messages with `--protocol singer`); everything meant for people goes to stderr, as structured log lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { simulateCommand } from '../simulator/cli.ts';
import { type InputState, loadState } from '../state/input.ts';
import { type ConfiguredCatalog, discoverCatalog, loadCatalog } from './catalog.ts';
import { checkConnection } from './check.ts';
import { describeRequest, type RequestInfo } from '../core/http/client.ts';
import { loadConfig, type ResolvedConfig } from './config.ts';
import { ConnectorError, failureTypeOf } from '../core/errors.ts';
import { Logger, LOG_FORMATS, LOG_LEVELS, mirrorLogs, type Level, type LogFormat } from './log.ts';
import { Progress } from './progress.ts';
import { LineWriter, message, type MessageSink } from '../core/protocol.ts';
import { logSummary, read } from './read/engine.ts';
import { redact } from '../core/redact.ts';
import { loadSingerCatalog, loadSingerState, PROTOCOLS, SingerSink, singerCatalog, type Protocol } from './singer.ts';
import { connectorSpecification } from './spec.ts';
import type { OutputFormat } from './sync.ts';
import { EXIT_PATIENCE_MS, exitWhenWritten, GatedSink, onStopSignal, signalExitCode } from './interrupt.ts';
import { OutputBusyError } from './out_dir.ts';
import { sizeBytes } from '../transforms/memory.ts';
import type { InputFormat } from '../transforms/raw.ts';
// sync, transform and simulate load DuckDB and the simulator only when they run (see their actions): `spec` or
// `read` should not pay for them in start-up time and memory.

// `read | head`: the reader has gone, so nothing more can reach it; leave quietly, with the code of a process ended
// by SIGPIPE (128 + 13), as `cat` in the same pipe would.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(141);
  throw error;
});

const stdout = new LineWriter(process.stdout);
/** People's lines on stderr; protocol commands set its level, format and (Airbyte mode) the LOG channel on stdout. */
const log = new Logger();

/** A line for people, on stderr, with secrets removed. */
function say(line: string): void {
  log.info(line);
}

/**
 * Run a protocol command. Anything it throws becomes one TRACE ERROR with the right failure_type and exit code 1;
 * a user's mistake gets its own message, anything else a short message plus the stack in `stack_trace`. In Singer
 * mode, whose stdout has no error message, the error is an ERROR line on stderr and the exit code says the rest.
 */
async function protocol(body: () => Promise<number | undefined>, mode: Protocol = 'airbyte'): Promise<void> {
  try {
    process.exitCode = (await body()) ?? 0;
  } catch (error) {
    const known = error instanceof ConnectorError;
    const text = known ? error.message : `source-kandji failed unexpectedly: ${(error as Error)?.message ?? String(error)}`;
    if (mode === 'airbyte') {
      await stdout.write(
        message.error(redact(text), failureTypeOf(error), {
          ...(known && error.internal ? { internal: redact(error.internal) } : {}),
          ...(known ? {} : { stack: redact((error as Error)?.stack ?? '') }),
        }),
      );
    }
    // stderr only: the TRACE ERROR above already tells the platform.
    log.log('error', text, { failure_type: failureTypeOf(error) }, false);
    if (!known) log.debug((error as Error)?.stack ?? String(error));
    process.exitCode = 1;
  } finally {
    await stdout.flush();
  }
}

interface ReadCommandOptions {
  config: string;
  catalog?: string;
  state?: string;
  protocol: Protocol;
}

/** `discover` in either protocol: one CATALOG message, or the Singer catalog object (what `--discover` prints). */
async function discoverCommand(opts: { config: string; protocol: Protocol }): Promise<undefined> {
  // The catalog does not depend on the tenant, but a broken config should fail here, not at the first sync.
  await loadConfig(opts.config);
  if (opts.protocol === 'singer') {
    // Indented, not one line: Meltano reads discovery output line by line with asyncio's 64 KiB line limit, and the
    // catalog on one line is larger than that ("Separator is found, but chunk is longer than limit").
    await new Promise<void>((done) => process.stdout.write(redact(`${JSON.stringify(singerCatalog(), null, 2)}\n`), () => done()));
  } else {
    await stdout.write({ type: 'CATALOG', catalog: discoverCatalog() });
  }
}

/** `read` in either protocol: the one read engine, its messages written as Airbyte or translated to Singer. */
async function readCommand(opts: ReadCommandOptions): Promise<number> {
  const config = await loadConfig(opts.config);
  for (const warning of config.warnings) log.warn(warning);
  let catalog: ConfiguredCatalog;
  let state: InputState;
  let sink: MessageSink;
  if (opts.protocol === 'singer') {
    const selection = await loadSingerCatalog(opts.catalog);
    const input = await loadSingerState(opts.state);
    catalog = selection.catalog;
    state = input.state;
    sink = new SingerSink(stdout, { selection, bookmarks: input.bookmarks, log });
  } else {
    catalog = await loadCatalog(opts.catalog as string);
    state = await loadState(opts.state);
    sink = mirrorLogs(stdout, log);
  }
  const progress = new Progress({ log, streams: catalog.streams.length + catalog.rejected.length });
  // SIGTERM / Ctrl-C: take nothing more from the read, end the streams still open as INCOMPLETE, say why, and exit
  // 143 / 130. Every STATE already printed stays valid: the next read resumes from the last of each stream.
  const gate = new GatedSink(sink);
  const stop = onStopSignal((signal) => {
    gate.close();
    const until = Date.now() + EXIT_PATIENCE_MS;
    const last = async () => {
      for (const name of gate.open) await sink.write(message.status(name, 'INCOMPLETE'));
      await sink.write(
        message.error(
          `The read was interrupted by ${signal}. Every STATE message printed before this one is valid: the next read resumes from the last one of each stream.`,
          'transient_error',
        ),
      );
      await sink.flush();
      await stdout.flush();
    };
    progress.stop();
    // A reader that has stopped altogether does not keep a cancelled read alive past the patience.
    void Promise.race([last().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, EXIT_PATIENCE_MS))]).then(() =>
      exitWhenWritten(signalExitCode(signal), Math.max(0, until - Date.now())),
    );
  });
  progress.start();
  try {
    const result = await read({
      settings: config,
      catalog,
      state,
      sink: progress.watch(gate),
      say,
      debug: log.enabled('debug') ? (line) => log.debug(line) : undefined,
      report: (result) => logSummary(result, log),
      onRequests: (count) => (progress.requests = count),
    });
    return result.failed ? 1 : 0;
  } finally {
    stop.dispose();
    progress.stop();
  }
}

/** `--log-level` and `--log-format`, also read from SOURCE_KANDJI_LOG_LEVEL / _FORMAT for runners that pass no flags. */
function withLogging(command: Command, hidden = false): Command {
  const level = new Option('--log-level <level>', 'least severe level of the log lines on stderr')
    .choices(LOG_LEVELS)
    .default('info')
    .env('SOURCE_KANDJI_LOG_LEVEL');
  const format = new Option('--log-format <format>', 'log lines on stderr as text or JSON')
    .choices(LOG_FORMATS)
    .default('text')
    .env('SOURCE_KANDJI_LOG_FORMAT');
  return command.addOption(hidden ? level.hideHelp() : level).addOption(hidden ? format.hideHelp() : format);
}

function protocolOption(): Option {
  return new Option('--protocol <protocol>', 'messages on stdout: airbyte, or singer for Meltano and other Singer runners')
    .choices(PROTOCOLS)
    .default('airbyte');
}

/** The package's version: package.json is one folder up from source/cli.ts, two from the built dist/source/cli.js. */
function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    const path = new URL(relative, import.meta.url);
    if (!existsSync(path)) continue;
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'source-kandji' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

const program = new Command()
  .name('source-kandji')
  .version(packageVersion(), '-V, --version', 'print the version')
  .description('Airbyte source for the Kandji (Iru) device-management API, with an embedded simulated tenant')
  .showHelpAfterError()
  // Usage mistakes exit 2, as Airbyte's own connectors (argparse) do; 1 is for failed syncs.
  .exitOverride()
  // Options given before a command belong to the Singer invocation below, not to the command.
  .enablePositionalOptions();

// Before a protocol command runs: its log level and format, and whether warnings also go out as LOG messages on
// stdout (Airbyte mode) or stay on stderr (Singer mode, whose stdout carries SCHEMA, RECORD and STATE only).
program.hook('preAction', (_program, command) => {
  const opts = command.opts<{ logLevel?: Level; logFormat?: LogFormat; protocol?: Protocol }>();
  if (opts.logLevel === undefined) return;
  const singer = opts.protocol === 'singer' || command === program;
  // Only the Airbyte protocol commands mirror warnings onto stdout; sync and transform print text for people there.
  const airbyte = !singer && ['spec', 'check', 'discover', 'read'].includes(command.name());
  log.configure({ level: opts.logLevel, format: opts.logFormat ?? 'text', protocol: airbyte ? stdout : undefined });
});

withLogging(program.command('spec'))
  .description('Print the connector specification (one SPEC message)')
  .action(() =>
    protocol(async () => {
      await stdout.write({ type: 'SPEC', spec: connectorSpecification as unknown as Record<string, unknown> });
    }),
  );

withLogging(program.command('check'))
  .description('Check the configuration against the tenant (one CONNECTION_STATUS message; exit 0 unless the connector itself fails)')
  .requiredOption('--config <file>', 'connector configuration (JSON)')
  .action((opts: { config: string }) =>
    protocol(async () => {
      let config: ResolvedConfig;
      try {
        config = await loadConfig(opts.config);
      } catch (error) {
        if (failureTypeOf(error) !== 'config_error') throw error;
        await stdout.write({
          type: 'CONNECTION_STATUS',
          connectionStatus: { status: 'FAILED', message: redact((error as Error).message) },
        });
        return;
      }
      for (const warning of config.warnings) log.warn(warning);
      const result = await checkConnection({
        ...config,
        host: config.host,
        ...(log.enabled('debug') ? { onRequest: (r: RequestInfo) => log.debug(describeRequest(r)) } : {}),
      });
      await stdout.write({ type: 'CONNECTION_STATUS', connectionStatus: { status: result.status, message: redact(result.message) } });
    }),
  );

withLogging(program.command('discover'))
  .description('Print the catalog of streams (one CATALOG message; with --protocol singer, the Singer catalog)')
  .requiredOption('--config <file>', 'connector configuration (JSON)')
  .addOption(protocolOption())
  .action((opts: { config: string; protocol: Protocol }) => protocol(() => discoverCommand(opts), opts.protocol));

withLogging(program.command('read'))
  .description(
    'Read the configured streams: RECORD, STATE, TRACE and LOG messages (SCHEMA, RECORD, STATE with --protocol singer); exit 1 if a stream failed',
  )
  .requiredOption('--config <file>', 'connector configuration (JSON)')
  .option('--catalog <file>', 'configured catalog (JSON); required in Airbyte mode, in Singer mode every stream by default')
  .option('--state <file>', 'state from the previous sync: a JSON array of STATE messages, or Singer {"bookmarks": …}')
  .addOption(protocolOption())
  .action((opts: ReadCommandOptions, command: Command) => {
    if (opts.protocol === 'airbyte' && opts.catalog === undefined) command.error("error: required option '--catalog <file>' not specified");
    return protocol(() => readCommand(opts), opts.protocol);
  });

withLogging(program.command('sync'))
  .description(
    'Read into files: DIR/<stream>/<run>.jsonl|.parquet, a manifest per run in DIR/_runs, the state in DIR/state.json; with --root, DIR is ROOT/<tenant>',
  )
  .requiredOption('--config <file>', 'connector configuration (JSON)')
  .option('--out <dir>', 'output directory; state and history accumulate there across syncs')
  .option('--root <dir>', "data root of many tenants: write to ROOT/<tenant>, the tenant named by the config's tenant (default: subdomain)")
  .addOption(
    new Option(
      '--format <format>',
      'file format: Parquet is about 10 times smaller than JSONL and keeps every field (see docs/benchmarks.md)',
    )
      .choices(['jsonl', 'parquet', 'both'])
      .default('parquet'),
  )
  .option('--catalog <file>', 'configured catalog (default: every stream, incremental where it can be)')
  .action(async (opts: { config: string; out?: string; root?: string; format: OutputFormat; catalog?: string }, command: Command) => {
    if ((opts.out === undefined) === (opts.root === undefined))
      command.error(
        "error: give either --out <dir> (one tenant's folder) or --root <dir> (a folder per tenant under it), not both or neither",
      );
    const stop = onStopSignal((signal) =>
      log.warn(
        `${signal}: stopping the sync; keeping the records read so far and each stream's state up to its last checkpoint (a second ${signal} exits at once, keeping less).`,
      ),
    );
    try {
      const { sync, tenantDir } = await import('./sync.ts');
      const config = await loadConfig(opts.config);
      for (const warning of config.warnings) log.warn(warning);
      const catalog = opts.catalog ? await loadCatalog(opts.catalog) : undefined;
      const outDir = opts.out ?? tenantDir(opts.root as string, config.tenant);
      const { manifest, interrupted } = await sync({
        config,
        outDir,
        format: opts.format,
        ...(catalog ? { catalog } : {}),
        log,
        signal: stop.signal,
      });
      const records = Object.values(manifest.streams).reduce((n, s) => n + s.records, 0);
      const line = `${manifest.status}: run ${manifest.run_id}, ${records} records, ${manifest.requests} requests → ${outDir}`;
      if (interrupted) {
        process.stdout.write(`${line} (interrupted by ${interrupted}; the next sync resumes from the saved state)\n`);
        log.warn(`The sync was interrupted by ${interrupted}: run ${manifest.run_id} kept, state saved; the next sync resumes.`);
        // The abandoned read still holds sockets and timers: end here, with the signal's conventional code.
        await exitWhenWritten(signalExitCode(interrupted));
      }
      process.stdout.write(`${line}\n`);
      process.exitCode = manifest.status === 'failed' ? 1 : 0;
    } catch (error) {
      log.error((error as Error)?.message ?? String(error), { failure_type: failureTypeOf(error) });
      // 75 (EX_TEMPFAIL): another sync holds the folder; a scheduler should simply try again later.
      process.exitCode = error instanceof OutputBusyError ? 75 : 1;
    } finally {
      stop.dispose();
    }
  });

withLogging(program.command('transform'))
  .description('Build the DuckDB marts from a sync output directory (JSONL or Parquet), print the fleet summary, write the HTML report')
  .requiredOption('--data <dir>', "a sync's output directory (its --out), or a data root with a folder per tenant (sync --root)")
  .option(
    '--db <file>',
    'database to build (default: DIR/kandji.duckdb); updated in place, so only new or changed runs are read from their files; locked while transform runs',
  )
  .option('--full-rebuild', "build a new database from every run's files, ignoring the last one (replaced once the build passed)")
  .addOption(new Option('--format <format>', 'files to read where a run wrote both (default: parquet)').choices(['parquet', 'jsonl']))
  .option('--tenant-groups <file>', 'CSV tenant_id,tenant_group mapping tenants to groups (default: DIR/tenants.csv when it exists)')
  .option('--report <file>', 'HTML report to write (default: DIR/report.html)')
  .option('--no-report', 'do not write the HTML report')
  .option('--tenant <name>', "the tenant's name in the report's title (default: the database's folder name)")
  .option(
    '--memory-limit <size>',
    "DuckDB's memory limit while building, e.g. 4GB; it spills to disk beyond it (default: 2GB, and half the machine's or container's memory, at least 2GB, for a build over every run: a first build, --full-rebuild, models changed by an upgrade)",
    (value: string) => {
      if (sizeBytes(value) === undefined)
        throw new InvalidArgumentError(`${JSON.stringify(value)} is not a size: give a number and a unit, e.g. 4GB or 3500MB`);
      return value.trim();
    },
  )
  .action(
    async (opts: {
      data: string;
      db?: string;
      format?: InputFormat;
      memoryLimit?: string;
      report?: string | boolean;
      fullRebuild?: boolean;
      tenant?: string;
      tenantGroups?: string;
    }) => {
      try {
        const [{ fleetSummary, formatFleetSummary, runTransform }, { writeReport }, { formatTenantSummary }] = await Promise.all([
          import('../transforms/run.ts'),
          import('../transforms/report.ts'),
          import('../transforms/tenants.ts'),
        ]);
        const { dbPath } = await runTransform({
          dataDir: opts.data,
          ...(opts.db ? { dbPath: opts.db } : {}),
          ...(opts.format ? { format: opts.format } : {}),
          ...(opts.tenantGroups ? { tenantGroups: opts.tenantGroups } : {}),
          ...(opts.memoryLimit ? { memoryLimit: opts.memoryLimit } : {}),
          full: opts.fullRebuild === true,
          say,
          ...(log.enabled('debug') ? { debug: (line: string) => log.debug(line) } : {}),
        });
        process.stdout.write(`${formatFleetSummary(await fleetSummary(dbPath))}\n`);
        const tenants = await formatTenantSummary(dbPath);
        if (tenants !== '') process.stdout.write(`\n${tenants}\n`);
        if (opts.report !== false) {
          const outFile = typeof opts.report === 'string' ? opts.report : join(opts.data, 'report.html');
          await writeReport({ dbPath, outFile, ...(opts.tenant ? { tenant: opts.tenant } : {}) });
          process.stdout.write(`report: ${outFile}\n`);
        }
        process.stdout.write(`database: ${dbPath}\n`);
      } catch (error) {
        log.error((error as Error)?.message ?? String(error));
        // 75 (EX_TEMPFAIL): another process holds the database; a scheduler should simply try again later.
        process.exitCode = (error as Error)?.name === 'DatabaseBusyError' ? 75 : 1;
      }
    },
  );

// The simulated tenant is not part of the connector: its command is the simulator's own (simulator/cli.ts).
program.addCommand(simulateCommand());

// Singer runners such as Meltano call a tap with no command: `source-kandji --config F --discover` prints the Singer
// catalog, `source-kandji --config F [--catalog F] [--state F]` reads in Singer mode (docs/orchestration.md).
withLogging(program, true)
  .allowExcessArguments()
  .addOption(new Option('--config <file>', 'Singer invocation: connector configuration').hideHelp())
  .addOption(new Option('--discover', 'Singer invocation: print the Singer catalog').hideHelp())
  .addOption(new Option('--catalog <file>', 'Singer invocation: catalog with selections').hideHelp())
  .addOption(new Option('--properties <file>', 'Singer invocation: older name of --catalog').hideHelp())
  .addOption(new Option('--state <file>', 'Singer invocation: state').hideHelp())
  .addHelpText(
    'after',
    '\nAs a Singer tap (Meltano): source-kandji --config F --discover | source-kandji --config F [--catalog F] [--state F]',
  )
  .action((opts: { config?: string; discover?: boolean; catalog?: string; properties?: string; state?: string }) => {
    if (program.args.length > 0) program.error(`error: unknown command '${program.args[0]}'`);
    if (opts.config === undefined) program.help({ error: true });
    if (opts.discover) return protocol(() => discoverCommand({ config: opts.config as string, protocol: 'singer' }), 'singer');
    const catalog = opts.catalog ?? opts.properties;
    return protocol(
      () =>
        readCommand({
          config: opts.config as string,
          protocol: 'singer',
          ...(catalog ? { catalog } : {}),
          ...(opts.state ? { state: opts.state } : {}),
        }),
      'singer',
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // Commander has already printed the problem and the usage on stderr.
  process.exitCode = error.exitCode === 0 ? 0 : 2;
}
