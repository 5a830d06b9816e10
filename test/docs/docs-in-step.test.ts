/**
 * Documentation that restates code must not drift from it: the error catalogue (docs/errors.md) and
 * the settings table (docs/configuration.md, README.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../server/config/settings.js';
import { ERROR_CATALOGUE } from '../../server/errors/catalogue.js';
import { PACKAGE_ROOT } from '../../server/paths.js';

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
