import { defineConfig } from '@playwright/test';
import { FAKE_AUDIO, FAKE_VIDEO } from './test/helpers/media-files.js';

// Fixed so that the config evaluates the same in the runner and in its workers; E2E_PORT moves it.
const port = Number(process.env.E2E_PORT ?? 18480);

export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  // Upper bounds, not waits: every step waits for its condition, and a loaded or half-as-fast machine
  // takes longer to decode video and to round-trip signalling.
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser here.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        // Made by the global set-up before any browser starts.
        `--use-file-for-fake-video-capture=${FAKE_VIDEO}`,
        `--use-file-for-fake-audio-capture=${FAKE_AUDIO}`,
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
  },
});
