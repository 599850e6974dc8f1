import { relative } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files that take about a minute or more each; they start in this order, before all others. */
const LONG_FILES = ['cloud-releases', 'media-tap', 'simulator', 'accounts', 'store-faults', 'cloud-sync'].map((name) => `test/integration/${name}.test.ts`);

/**
 * Starts the long files first. Vitest orders by the durations of the last run, but a clean clone has none
 * and falls back to file size, which can leave a long file to start last on two workers: the run then
 * waits for it alone. The other files keep vitest's order.
 */
class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const i = LONG_FILES.indexOf(relative(this.ctx.config.root, spec.moduleId));
      return i < 0 ? LONG_FILES.length : i;
    };
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: within a rank, vitest's order stays.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    pool: 'forks',
    // Two cores: integration files start mediasoup workers and brokers, so run two files at a time at most.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    sequence: { sequencer: LongFilesFirst },
    projects: [
      {
        extends: true,
        test: {
          name: 'appliance',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          exclude: configDefaults.exclude,
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        // The web app's state classes use Svelte runes, which only the Svelte compiler turns into code; the
        // browser build of Svelte is the one the kiosk and the consoles run.
        extends: true,
        plugins: [svelte({ configFile: false })],
        resolve: { conditions: ['browser'], alias: { $lib: new URL('./web/src/lib', import.meta.url).pathname } },
        test: { name: 'web', include: ['web/src/**/*.test.ts'] },
      },
    ],
  },
});
