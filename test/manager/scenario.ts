/**
 * Table-driven API scenarios for the admin API. Each scenario starts from a freshly migrated install,
 * builds its fixtures through the API (`setup`), sends one request and checks:
 *
 * - the status, and for an error the catalogue code (whose status must match) with a message;
 * - the body (`json`: a partial match, or `expect` for anything more);
 * - side effects in the database: only the tables named in `changes` may differ (and they must), so a
 *   rejected request is proven to have changed nothing; `after` checks the rows themselves;
 * - the change notifications the request announced on the NOTIFY channel (`events`; none by default).
 */
import { expect, it } from 'vitest';
import type { Change } from '../../server/contracts/changes.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../../server/errors/catalogue.js';
import {
  type ApiResponse,
  MANAGER_TABLES,
  type ManagerTable,
  type ManagerTestServer,
  type Method,
} from '../support/manager-server.js';

/** A value, or a function of the scenario's fixture. */
type Of<F, T> = T | ((fixture: F) => T);
/** A request or expected body: JSON, or raw text. */
type Body = string | number | boolean | null | object;

/** One request and everything it must (and must not) do. */
export interface Scenario<F = any> {
  name: string;
  /** Builds fixtures through the API; the result is passed to every other field. */
  setup?: (t: ManagerTestServer) => Promise<F>;
  method: Method;
  /** Relative to /api/v1. */
  url: Of<F, string>;
  body?: Of<F, Body>;
  headers?: Record<string, string>;
  status: number;
  /** The error code an error response must carry. */
  code?: ErrorCode;
  /** A partial match of the JSON body. */
  json?: Of<F, Body>;
  /** Further checks of the response. */
  expect?: (response: ApiResponse, fixture: F, t: ManagerTestServer) => void | Promise<void>;
  /** Tables the request changes; every other table must stay identical. Default: none. */
  changes?: ManagerTable[];
  /** Side effects, checked in the database. */
  after?: (fixture: F, t: ManagerTestServer, response: ApiResponse) => Promise<void>;
  /** The change notifications announced, in order. Default: none. */
  events?: Change[] | ((fixture: F, response: ApiResponse) => Change[]);
}

/** Types a scenario's fixture from its `setup`. */
export function scenario<F>(definition: Scenario<F>): Scenario {
  return definition as Scenario;
}

function resolve<F, T>(value: Of<F, T>, fixture: F): T {
  return typeof value === 'function' ? (value as (fixture: F) => T)(fixture) : value;
}

/** Checks an error response: catalogue code and status, a message, JSON. */
export function expectError(response: ApiResponse, code: ErrorCode): void {
  expect(response.status, response.text).toBe(ERROR_CATALOGUE[code].status);
  expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
  expect(response.body).toEqual({
    error: expect.objectContaining({ code, message: expect.stringMatching(/\S/) }),
  });
  expect(Object.keys(response.body.error).sort()).toEqual(
    'details' in response.body.error ? ['code', 'details', 'message'] : ['code', 'message'],
  );
}

/** Runs one scenario against `t`. */
export async function runScenario(t: ManagerTestServer, s: Scenario): Promise<ApiResponse> {
  await t.reset();
  const fixture = s.setup ? await s.setup(t) : undefined;
  await t.changes.drain();
  const before = await t.snapshot();
  const response = await t.request(
    s.method,
    resolve(s.url, fixture),
    s.body === undefined ? undefined : resolve(s.body, fixture),
    s.headers,
  );
  expect(response.status, `${s.method} ${resolve(s.url, fixture)} → ${response.text}`).toBe(s.status);
  if (s.code) {
    expect(s.status, 'the scenario names a code whose catalogue status differs').toBe(
      ERROR_CATALOGUE[s.code].status,
    );
    expectError(response, s.code);
  } else if (s.status >= 400) {
    throw new Error(`scenario "${s.name}" expects an error status but names no code`);
  }
  if (s.json !== undefined) expect(response.body).toMatchObject(resolve(s.json, fixture) as object);
  await s.expect?.(response, fixture, t);

  const after = await t.snapshot();
  const changes = s.changes ?? [];
  if (s.status >= 400) expect(changes, 'an error must change nothing').toEqual([]);
  for (const table of MANAGER_TABLES) {
    if (changes.includes(table))
      expect(after[table], `${table} should have changed`).not.toEqual(before[table]);
    else expect(after[table], `${table} must be unchanged`).toEqual(before[table]);
  }
  await s.after?.(fixture, t, response);

  const events = typeof s.events === 'function' ? s.events(fixture, response) : (s.events ?? []);
  expect(await t.changes.drain(), 'change notifications').toEqual(events);
  return response;
}

/** One `it` per scenario. */
export function runScenarios(server: () => ManagerTestServer, scenarios: Scenario[]): void {
  const names = new Set<string>();
  for (const s of scenarios) {
    if (names.has(s.name)) throw new Error(`duplicate scenario name "${s.name}"`);
    names.add(s.name);
    it(s.name, async () => {
      await runScenario(server(), s);
    });
  }
}

/** Rows of a table, as plain objects. */
export async function rows(t: ManagerTestServer, sql: string, params: unknown[] = []): Promise<any[]> {
  return (await t.database.pool.query(sql, params)).rows;
}

/** The number of rows matching `where`. */
export async function count(
  t: ManagerTestServer,
  table: ManagerTable,
  where = 'true',
  params: unknown[] = [],
): Promise<number> {
  const [row] = await rows(t, `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params);
  return row.n;
}

/** Any UUID no row has. */
export const MISSING_UUID = '00000000-0000-4000-8000-000000000000';
