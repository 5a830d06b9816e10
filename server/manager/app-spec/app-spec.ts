/**
 * An app described as data — its settings, host claims, scripts (live source, optionally every
 * version), routes and triggers — the shape shared by `picloud deploy` (a folder: picloud.toml plus
 * scripts/*.rhai), `picloud pull` and app bundles. {@link checkAppSpec} validates one completely before
 * anything is written: every script compiles (the first problem of each with its line and column),
 * every import names a module of the spec, routes and triggers are well-formed and name endpoints of
 * the spec, and no two routes answer the same requests.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ScriptChecker, ScriptDiagnostic, ScriptImport } from '../../contracts/script-checker.js';
import { PicloudError } from '../../errors/catalogue.js';
import { parseHostClaim } from '../../routing/host-claim.js';
import { parseMethods, parsePathPattern } from '../../routing/path-pattern.js';
import { isScope } from '../../security/scopes.js';
import { parseCronSchedule } from '../triggers/cron-schedule.js';
import { DEFAULT_TIMEZONE, QUEUE_NAME, RETRY_POLICY } from '../triggers/trigger-store.js';

const ScriptName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}$' });
const Kind = Type.Union([Type.Literal('endpoint'), Type.Literal('module')]);
const Source = Type.String({ maxLength: 256 * 1024 });

/** One saved version of a script (bundles carry the history). */
export const VersionSpecSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    kind: Kind,
    message: Type.String({ maxLength: 500 }),
    created_at: Type.String({ maxLength: 40 }),
    source: Source,
  },
  { additionalProperties: false },
);

/** An app as data. */
export const AppSpecSchema = Type.Object(
  {
    app: Type.Object(
      {
        slug: Type.String({ pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$' }),
        name: Type.String({ minLength: 1, maxLength: 200 }),
        description: Type.Optional(Type.String({ maxLength: 2000 })),
        cors_origins: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 50 })),
        http_allow_hosts: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 200 })),
      },
      { additionalProperties: false },
    ),
    domains: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 100 })),
    scripts: Type.Array(
      Type.Object(
        {
          name: ScriptName,
          kind: Type.Optional(Kind),
          description: Type.Optional(Type.String({ maxLength: 2000 })),
          source: Source,
          /** Every version, oldest first (bundles with history); the last one's source is `source`. */
          versions: Type.Optional(Type.Array(VersionSpecSchema, { maxItems: 10_000 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1_000 },
    ),
    routes: Type.Optional(
      Type.Array(
        Type.Object(
          {
            script: ScriptName,
            methods: Type.Array(Type.String({ maxLength: 10 }), { minItems: 1, maxItems: 10 }),
            path: Type.String({ minLength: 1, maxLength: 512 }),
            host: Type.Optional(Type.Union([Type.String({ maxLength: 253 }), Type.Null()])),
            required_scope: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1_000 },
      ),
    ),
    triggers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            script: ScriptName,
            kind: Type.Union([Type.Literal('cron'), Type.Literal('queue')]),
            schedule: Type.Optional(Type.String({ maxLength: 200 })),
            timezone: Type.Optional(Type.String({ maxLength: 64 })),
            queue: Type.Optional(Type.String({ maxLength: 64 })),
            max_attempts: Type.Optional(Type.Integer()),
            backoff_seconds: Type.Optional(Type.Integer()),
            enabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1_000 },
      ),
    ),
  },
  { additionalProperties: false },
);

/** An app as data. */
export type AppSpec = Static<typeof AppSpecSchema>;
/** One script of an {@link AppSpec}. */
export type ScriptSpec = AppSpec['scripts'][number];

/** A normalised route of a checked spec. */
export interface CheckedRoute {
  script: string;
  methods: string[];
  path: string;
  path_shape: string;
  host: string | null;
  required_scope: string | null;
}

/** A normalised trigger of a checked spec. */
export interface CheckedTrigger {
  script: string;
  kind: 'cron' | 'queue';
  schedule: string | null;
  timezone: string | null;
  queue: string | null;
  max_attempts: number;
  backoff_seconds: number;
  enabled: boolean;
}

/** A script of a checked spec, with the imports its live source declares. */
export interface CheckedScript {
  name: string;
  kind: 'endpoint' | 'module';
  description: string;
  source: string;
  versions: Static<typeof VersionSpecSchema>[] | null;
  imports: ScriptImport[];
}

/** A spec that passed {@link checkAppSpec}. */
export interface CheckedAppSpec {
  app: Required<AppSpec['app']>;
  domains: { pattern: string; kind: 'exact' | 'wildcard'; shapeKey: string }[];
  scripts: CheckedScript[];
  routes: CheckedRoute[];
  triggers: CheckedTrigger[];
}

/** A script that does not compile, as {@link checkAppSpec} reports it. */
export interface ScriptProblem {
  script: string;
  diagnostics: ScriptDiagnostic[];
}

function invalid(message: string, details?: unknown): PicloudError {
  return new PicloudError('PICLOUD_ERR_DEPLOY_INVALID', message, details);
}

/** Checks the shape of untrusted input against the schema; throws DEPLOY_INVALID naming the first problem. */
export function parseAppSpec(value: unknown): AppSpec {
  if (!Value.Check(AppSpecSchema, value)) {
    const first = Value.Errors(AppSpecSchema, value).First();
    throw invalid(`The app description is invalid at ${first?.path || '/'}: ${first?.message ?? 'unknown'}`);
  }
  return value;
}

/**
 * Validates a spec completely (see the file comment).
 * @throws PICLOUD_ERR_SCRIPT_COMPILE (422) with `details.scripts` listing every script that does not
 *   compile, each with its diagnostics; PICLOUD_ERR_DEPLOY_INVALID for anything else.
 */
export function checkAppSpec(spec: AppSpec, checker: ScriptChecker): CheckedAppSpec {
  const names = new Set<string>();
  for (const script of spec.scripts) {
    if (names.has(script.name)) throw invalid(`Two scripts are named "${script.name}"`);
    names.add(script.name);
  }
  // 1. Every script compiles: all of them are checked, so one deploy reports every broken file.
  const problems: ScriptProblem[] = [];
  const scripts: CheckedScript[] = spec.scripts.map((script) => {
    const kind = script.kind ?? 'endpoint';
    const { diagnostics, imports } = checker.analyze(script.source, kind);
    if (diagnostics.length > 0) {
      diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
      problems.push({ script: script.name, diagnostics });
    }
    const versions = script.versions ?? null;
    if (versions) {
      const last = versions.at(-1);
      if (!last || last.source !== script.source || last.kind !== kind) {
        throw invalid(`The last version of "${script.name}" is not its live source`);
      }
      versions.forEach((v, i) => {
        if (i > 0 && v.version <= versions[i - 1].version) {
          throw invalid(`The versions of "${script.name}" are not in increasing order`);
        }
      });
    }
    return {
      name: script.name,
      kind,
      description: script.description ?? '',
      source: script.source,
      versions,
      imports,
    };
  });
  if (problems.length > 0) {
    const first = problems[0];
    const d = first.diagnostics[0];
    const where = d.line === null ? '' : ` (line ${d.line}, column ${d.column})`;
    throw new PicloudError(
      'PICLOUD_ERR_SCRIPT_COMPILE',
      `"${first.script}" does not compile: ${d.message}${where}${problems.length > 1 ? ` (and ${problems.length - 1} more script(s))` : ''}`,
      { scripts: problems },
    );
  }
  // 2. Imports name modules of the spec.
  const kinds = new Map(scripts.map((s) => [s.name, s.kind]));
  for (const script of scripts) {
    for (const { name } of script.imports) {
      if (kinds.get(name) !== 'module') {
        throw new PicloudError(
          'PICLOUD_ERR_MODULE_IMPORT',
          `"${script.name}" imports "${name}", which is not a module of the app`,
          { scripts: [{ script: script.name, diagnostics: [] }] },
        );
      }
    }
  }
  const endpoint = (name: string, what: string) => {
    const kind = kinds.get(name);
    if (kind === undefined) throw invalid(`A ${what} runs "${name}", which is not a script of the app`);
    if (kind !== 'endpoint') throw invalid(`A ${what} runs "${name}", a module; only endpoints run`);
  };
  // 3. Domains.
  const domains: CheckedAppSpec['domains'] = [];
  for (const input of spec.domains ?? []) {
    const claim = parseHostClaim(input);
    if ('error' in claim) throw invalid(`Invalid host claim "${input}": ${claim.error}`);
    if (domains.some((d) => d.shapeKey === claim.shapeKey)) throw invalid(`"${input}" is claimed twice`);
    domains.push({ pattern: claim.pattern, kind: claim.kind, shapeKey: claim.shapeKey });
  }
  // 4. Routes.
  const routes: CheckedRoute[] = [];
  for (const route of spec.routes ?? []) {
    endpoint(route.script, 'route');
    const pattern = parsePathPattern(route.path);
    if ('error' in pattern) throw invalid(`Invalid path "${route.path}": ${pattern.error}`);
    const methods = parseMethods(route.methods);
    if ('error' in methods) throw invalid(`Invalid methods of ${route.path}: ${methods.error}`);
    const scope = route.required_scope ?? null;
    if (scope !== null && !isScope(scope)) throw invalid(`Unknown scope "${scope}" on ${route.path}`);
    let host: string | null = null;
    if (route.host) {
      const parsed = parseHostClaim(route.host);
      if ('error' in parsed || parsed.kind !== 'exact')
        throw invalid(`Invalid host "${route.host}" of ${route.path}`);
      host = parsed.pattern;
    }
    const checked = {
      script: route.script,
      methods: [...methods].sort() as string[],
      path: pattern.path,
      path_shape: pattern.shape,
      host,
      required_scope: scope,
    };
    for (const other of routes) {
      if (
        other.path_shape === checked.path_shape &&
        other.host === checked.host &&
        other.methods.some((m) => checked.methods.includes(m))
      ) {
        throw invalid(`${checked.path} and ${other.path} answer the same requests`);
      }
    }
    routes.push(checked);
  }
  // 5. Triggers.
  const triggers: CheckedTrigger[] = [];
  for (const trigger of spec.triggers ?? []) {
    endpoint(trigger.script, 'trigger');
    if (trigger.kind === 'cron') {
      const schedule = parseCronSchedule(trigger.schedule ?? '', trigger.timezone ?? DEFAULT_TIMEZONE);
      if ('error' in schedule) throw invalid(schedule.error);
      triggers.push({
        script: trigger.script,
        kind: 'cron',
        schedule: schedule.expression,
        timezone: schedule.timezone,
        queue: null,
        max_attempts: 1,
        backoff_seconds: RETRY_POLICY.backoffSeconds.default,
        enabled: trigger.enabled ?? true,
      });
    } else {
      const queue = trigger.queue ?? '';
      if (!QUEUE_NAME.test(queue)) throw invalid(`Invalid queue name "${queue}"`);
      if (triggers.some((t) => t.queue === queue)) throw invalid(`Two triggers consume the queue "${queue}"`);
      const attempts = trigger.max_attempts ?? RETRY_POLICY.maxAttempts.default;
      const backoff = trigger.backoff_seconds ?? RETRY_POLICY.backoffSeconds.default;
      if (attempts < RETRY_POLICY.maxAttempts.min || attempts > RETRY_POLICY.maxAttempts.max)
        throw invalid(`max_attempts of "${queue}" must be 1 to 25`);
      if (backoff < RETRY_POLICY.backoffSeconds.min || backoff > RETRY_POLICY.backoffSeconds.max)
        throw invalid(`backoff_seconds of "${queue}" must be 1 to 3600`);
      triggers.push({
        script: trigger.script,
        kind: 'queue',
        schedule: null,
        timezone: null,
        queue,
        max_attempts: attempts,
        backoff_seconds: backoff,
        enabled: trigger.enabled ?? true,
      });
    }
  }
  return {
    app: {
      slug: spec.app.slug,
      name: spec.app.name,
      description: spec.app.description ?? '',
      cors_origins: spec.app.cors_origins ?? [],
      http_allow_hosts: spec.app.http_allow_hosts ?? [],
    },
    domains,
    scripts,
    routes,
    triggers,
  };
}
