import { defineConfig } from 'vitest/config';

// CI also writes a JSON report, from which .ci/run prints the closing "N passed, N failed" line.
const reportFile = process.env.CAMWATCH_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: reportFile ? ['default', ['json', { outputFile: reportFile }]] : ['default'],
  },
});
