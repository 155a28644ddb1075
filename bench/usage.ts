/**
 * Preloaded into a process the benchmark measures (`node --import ./bench/usage.ts source/cli.ts read …`). At exit it
 * writes that process's own resource usage to the file named by BENCH_USAGE_FILE: peak RSS as the kernel counts it
 * (getrusage's ru_maxrss, the high-water mark of the whole process, heap and native memory alike) and CPU time.
 * It only reads counters; the connector runs unchanged.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000 }));
  });
}
