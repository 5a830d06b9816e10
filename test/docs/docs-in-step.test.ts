/**
 * Documentation that restates code must not drift from it: the error catalogue (docs/errors.md) and
 * the settings table (docs/configuration.md, README.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../server/config/settings.js';
import { latestSchemaVersion, readMigrations } from '../../server/db/migrator.js';
import { ERROR_CATALOGUE } from '../../server/errors/catalogue.js';
import { MIGRATIONS_DIR, PACKAGE_ROOT } from '../../server/paths.js';
import { isScope, SCOPE_NAMES } from '../../server/security/scopes.js';
import { API_TOKEN_PREFIX } from '../../server/security/secret-token.js';

const read = (path: string) => readFileSync(`${PACKAGE_ROOT}/${path}`, 'utf8');

/** Rows `| `CODE` | 404 | ... |` of a markdown table whose first cell is a code span. */
function tableRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => /^\| `[A-Z_]+` \|/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/^`|`$/g, '')),
    );
}

describe('docs/errors.md', () => {
  it('lists every catalogue code with its status, and nothing else', () => {
    const documented = Object.fromEntries(
      tableRows(read('docs/errors.md')).map(([code, status]) => [code, Number(status)]),
    );
    const actual = Object.fromEntries(
      Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.status]),
    );
    expect(documented).toEqual(actual);
  });
});

describe('settings', () => {
  it.each(['docs/configuration.md', 'README.md'])('%s documents every setting with its file key', (file) => {
    const rows = tableRows(read(file)).filter(([variable]) => variable !== 'PICLOUD_CONFIG');
    const documented = Object.fromEntries(
      rows.map(([variable, fileKey]) => [variable, fileKey.replace(/`/g, '')]),
    );
    const actual = Object.fromEntries(Object.values(SETTINGS).map((spec) => [spec.env, spec.fileKey]));
    expect(documented).toEqual(actual);
  });
});

describe('the documented ranges of settings', () => {
  it.each(['docs/configuration.md', 'README.md'])('%s gives the bounds the configuration accepts', (file) => {
    const specs = new Map(Object.values(SETTINGS).map((spec) => [spec.env, spec]));
    const ranges = tableRows(read(file)).flatMap(([variable, , , meaning]) => {
      const range = /\b(\d+) to (\d+)\b(?! ?[A-Za-z])/.exec(meaning ?? '');
      return range ? [[variable, Number(range[1]), Number(range[2])] as const] : [];
    });
    expect(ranges.map(([variable]) => variable)).toContain('PICLOUD_LOG_RETENTION_COUNT');
    for (const [variable, min, max] of ranges) {
      const spec = specs.get(variable);
      expect(spec, variable).toBeDefined();
      expect(spec?.parse(String(min)), variable).toBe(min);
      expect(spec?.parse(String(max)), variable).toBe(max);
      expect(() => spec?.parse(String(min - 1)), variable).toThrow();
      expect(() => spec?.parse(String(max + 1)), variable).toThrow();
    }
  });
});

describe('the /version examples', () => {
  it.each(['README.md', 'docs/http-api.md', 'docs/versioning.md'])(
    '%s shows the current schema version',
    (file) => {
      const shown = [...read(file).matchAll(/"schema": ?(\d+)/g)].map((m) => Number(m[1]));
      expect(shown.length).toBeGreaterThan(0);
      for (const version of shown) expect(version).toBe(latestSchemaVersion(readMigrations(MIGRATIONS_DIR)));
    },
  );
});

describe('docs/http-api.md', () => {
  const doc = read('docs/http-api.md');

  it('lists every scope a route may require', () => {
    const bullet = /- `required_scope`:[\s\S]*?(?=\n- )/.exec(doc)?.[0] ?? '';
    const listed = [...bullet.matchAll(/`([a-z]+(?::[a-z]+)?)`/g)].map((m) => m[1]).filter(isScope);
    expect(new Set(listed)).toEqual(new Set(SCOPE_NAMES));
  });
});

describe('API tokens in the docs', () => {
  it.each(['README.md', 'docs/http-api.md', 'docs/security.md'])('%s shows the real token prefix', (file) => {
    const prefixes = [...read(file).matchAll(/\b([a-z]{2,4}_)(?:…|\$|[A-Za-z0-9_-]{43})/g)].map((m) => m[1]);
    for (const prefix of prefixes.filter((p) => /^p[a-z]+_$/.test(p))) expect(prefix).toBe(API_TOKEN_PREFIX);
  });
});
