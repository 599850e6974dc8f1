import { configDefaults, defineConfig } from 'vitest/config';

/** Tests of the intent model trained on the taxonomy (test/helpers/intent-model.ts). */
const INTENT_MODEL_TESTS = ['test/unit/intent-classifier.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    // Two cores: integration files start mediasoup workers and brokers, so run two files at a time at most.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        // A project of their own so that only a run that includes them waits for the model: its global
        // set-up trains it (minutes, on both cores) before any file starts, unless the cache has it.
        test: { name: 'intent', include: INTENT_MODEL_TESTS, globalSetup: ['test/global-setup-intent.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...INTENT_MODEL_TESTS],
        },
      },
    ],
  },
});
