/** `npm run screenshots`: regenerates docs/screenshots/*.png from a real appliance in Chromium. */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/panel/screenshots.run.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 90_000,
    pool: 'forks',
  },
});
