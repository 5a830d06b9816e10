/**
 * Builds the control panel into renderer/dist, which the server serves at `/` and the desktop window
 * loads. Hashed asset names let the server cache them for good; the manifest lets `npm test` measure
 * what a first visit downloads.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    // `npx vite renderer` during development: the API comes from a running appliance.
    proxy: { '/api': 'http://localhost:8081', '/version': 'http://localhost:8081' },
  },
});
