import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn the CLI and start servers; two workers match the 2-core machines we run on.
    maxWorkers: 2,
    reporters: ['default', './test/support/closing_line.ts'],
  },
});
