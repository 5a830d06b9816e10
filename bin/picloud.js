#!/usr/bin/env node
// The `picloud` command. The TypeScript sources are compiled to dist/ by `npm ci` / `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/server/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error(
    'picloud: the compiled server is missing (dist/). Run `npm run build` in the PiCloud folder.',
  );
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
