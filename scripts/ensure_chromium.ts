/**
 * Runs before `npm test`: the report test drives Debian's Chromium (never a downloaded browser). Installs it with
 * apt when it is missing and we are root (CI, fresh machines of this project's kind); otherwise says how to install
 * it, and the browser test skips itself with the same message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  const root = process.getuid?.() === 0;
  const apt = existsSync('/usr/bin/apt-get');
  if (root && apt) {
    process.stderr.write('Installing Debian chromium for the report test (apt-get install chromium)…\n');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env }) : update;
    if (install.status !== 0) process.stderr.write('Could not install chromium; the report browser test will be skipped.\n');
  } else {
    process.stderr.write(
      `${CHROMIUM} is missing; the report browser test will be skipped. Install it with: sudo apt-get install chromium\n`,
    );
  }
}
