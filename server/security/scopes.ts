/**
 * The scope vocabulary of API tokens. A scope names what a token may do; the owner's sessions hold
 * every scope. `admin` implies all the others (accounts, tokens and everything else). The list is part
 * of the HTTP API contract (docs/security.md): scopes are added, never renamed or removed, within v1.
 */

/** Every scope, with what it allows. */
export const SCOPES = {
  'apps:read': 'Read apps, their domains and settings',
  'apps:write': 'Create, change and delete apps, domains and CORS settings',
  'scripts:read': 'Read scripts, their versions and routes',
  'scripts:write': 'Save, roll back and delete scripts; create, change and delete routes',
  'logs:read': 'Read execution logs and follow the live tail',
  'kv:read': 'Browse KV entries',
  'kv:write': 'Change and delete KV entries',
  'secrets:write': 'Set, rotate and delete secrets (values are never readable)',
  'endpoints:invoke':
    'Run scripts by id, call routes that require a token, post queue messages, replay dead letters',
  'audit:read': 'Read the audit log',
  'cluster:admin': 'Manage cluster nodes',
  admin: 'Everything, including API tokens',
} as const;

/** A scope. */
export type Scope = keyof typeof SCOPES;

/** All scope names, in documentation order. */
export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

/** True for a known scope name. */
export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}

/** True when a holder of `granted` may do what `required` allows (`admin` allows everything). */
export function grants(granted: readonly string[], required: Scope): boolean {
  return granted.includes(required) || granted.includes('admin');
}
