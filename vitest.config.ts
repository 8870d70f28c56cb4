import { configDefaults, defineConfig } from 'vitest/config';
import { UNIT_TEST_FILES } from './test/lanes.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    reporters: ['default'],
    // The functions' structured logs and EMF metrics (Powertools) would bury the test report.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_DEV: 'false' },
    // The lanes are listed in test/lanes.ts.
    projects: [
      // Worker threads start faster than forked processes, and a unit test needs nothing a process of its own gives.
      { extends: true, test: { name: 'unit', include: UNIT_TEST_FILES, pool: 'threads' } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT_TEST_FILES],
        },
      },
    ],
  },
});
