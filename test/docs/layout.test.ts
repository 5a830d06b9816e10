/**
 * The folder boundaries of the architecture, checked on the source: the Rhai engine imports nothing
 * from the rest of the server, nor any npm package; the executor never touches the database; only
 * the manager (and the database layer itself) writes to it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../server/paths.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2]);
}

describe('server/rhai is self-contained', () => {
  const root = join(PACKAGE_ROOT, 'server', 'rhai');
  const files = sourceFiles(root);

  it('has sources', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((file) => [relative(PACKAGE_ROOT, file), file]))(
    '%s imports only the engine and Node built-ins',
    (_name, file) => {
      for (const specifier of imports(file)) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          expect(relative(root, target).startsWith('..'), `${specifier} leaves server/rhai`).toBe(false);
        } else {
          expect(specifier, `${specifier} is not a Node built-in`).toMatch(/^node:/);
        }
      }
    },
  );
});

describe('the executor never touches the database', () => {
  const root = join(PACKAGE_ROOT, 'server', 'executor');
  it.each(sourceFiles(root).map((file) => [relative(PACKAGE_ROOT, file), file]))('%s', (_name, file) => {
    for (const specifier of imports(file)) {
      expect(specifier, `${specifier} is database access`).not.toMatch(/^(pg|kysely)$|\/db\/|\/manager\//);
    }
  });
});

describe('only the manager writes to the database', () => {
  const server = join(PACKAGE_ROOT, 'server');
  const writers = sourceFiles(server).filter((file) =>
    /\.(insertInto|updateTable|deleteFrom)\(|\b(INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/.test(
      readFileSync(file, 'utf8'),
    ),
  );
  // server/backup/ restores a whole backup: like the migrator (server/db/), it replaces the schema and
  // its rows wholesale in one transaction, run by the manager's API or the CLI while PiCloud is stopped.
  // server/cluster/ writes the cluster's own tables: each node its own row (the heartbeat), the primary
  // the members it admits and removes (with their PostgreSQL roles) and its join tokens — never the
  // apps' state.
  it.each(writers.map((file) => [relative(PACKAGE_ROOT, file)]))('%s is allowed to write', (name) => {
    expect(name).toMatch(
      /^server\/(manager|db)\/|^server\/backup\/database-import\.ts$|^server\/cluster\/(node-heartbeat|membership|invite|join-token)\.ts$/,
    );
  });
});
