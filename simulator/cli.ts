/**
 * `source-kandji simulate`: serves a simulated Kandji tenant on loopback until interrupted. The connector's CLI only
 * mounts this command; the tenant model and the server load when it runs, never for `spec` or `read`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_EPOCH } from './epoch.ts';

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

function share(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a share from 0 to 1');
  return n;
}

function timestamp(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('expected an ISO-8601 date-time');
  return ms;
}

/** The `simulate` command, for the connector's CLI to mount. */
export function simulateCommand(): Command {
  return new Command('simulate')
    .description('Serve a simulated Kandji tenant on loopback until interrupted')
    .addOption(new Option('--devices <n>', 'devices in the tenant (1–100000)').argParser(integer(1, 100_000)).default(2000))
    .addOption(new Option('--seed <n>', 'seed for every generated value').argParser(integer(0, 2 ** 32 - 1)).default(1))
    .addOption(new Option('--port <n>', 'port to listen on (0 picks a free one)').argParser(integer(0, 65_535)).default(0))
    .addOption(new Option('--host <address>', 'interface to bind').default('127.0.0.1'))
    .addOption(
      new Option('--epoch <iso>', "the tenant's clock at start")
        .argParser(timestamp)
        .default(DEFAULT_EPOCH, new Date(DEFAULT_EPOCH).toISOString()),
    )
    .addOption(new Option('--hourly-limit <n>', 'requests per hour for the tenant').argParser(integer(1, 10_000_000)).default(10_000))
    .addOption(new Option('--per-second-limit <n>', 'requests per second').argParser(integer(1, 1_000_000)).default(50))
    .addOption(new Option('--latency-ms <n>', 'added to every response').argParser(integer(0, 60_000)).default(0))
    .addOption(
      new Option('--fault-rate <share>', 'share of requests that fail (spread over 429, 5xx, resets, stalls, truncation)')
        .argParser(share)
        .default(0),
    )
    .option('--windows-android', 'also enroll Windows and Android devices', false)
    .action(async (opts) => {
      const rate = opts.faultRate as number;
      const { startSimulator } = await import('./server.ts');
      let sim: Awaited<ReturnType<typeof startSimulator>>;
      try {
        sim = await startSimulator({
          devices: opts.devices,
          seed: opts.seed,
          epoch: opts.epoch,
          port: opts.port,
          host: opts.host,
          windowsAndAndroid: opts.windowsAndroid,
          latencyMs: opts.latencyMs,
          keepLog: false,
          rateLimit: { perHour: opts.hourlyLimit, perSecond: opts.perSecondLimit },
          faults: {
            throttle: rate * 0.3,
            serverError: rate * 0.3,
            reset: rate * 0.15,
            stall: rate * 0.1,
            truncate: rate * 0.15,
            stallMs: 30_000,
          },
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // One line instead of a stack trace: the port is taken, or not ours to bind.
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
          const why =
            code === 'EADDRINUSE'
              ? 'is already in use'
              : code === 'EACCES'
                ? 'needs privileges this user lacks'
                : 'is not an address of this machine';
          process.stderr.write(`simulate: ${opts.host}:${opts.port} ${why}; pass another --port (0 picks a free one).\n`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
      process.stderr.write(
        [
          `Simulated Kandji tenant: ${sim.tenant.liveDevices} devices, seed ${opts.seed}, clock ${new Date(sim.tenant.now).toISOString()}`,
          `  api_url    ${sim.url}`,
          `  api_token  ${sim.token}`,
          `  control    ${sim.url}/_sim/advance?hours=24 · ${sim.url}/_sim/stats`,
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      // Machine-readable line on stdout for scripts that start the simulator and need its address.
      process.stdout.write(`${JSON.stringify({ api_url: sim.url, api_token: sim.token })}\n`);
      const stop = async () => {
        await sim.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
