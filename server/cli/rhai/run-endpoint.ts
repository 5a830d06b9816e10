/**
 * `picloud rhai run FILE`: runs a script as its endpoint would run on the appliance — the executor's
 * own worker and SDK modules, the appliance's limits, `ctx` from the options — with local services,
 * then prints what the endpoint would answer.
 *
 * stdout gets what the script printed (`print`/`debug`, as the execution log would hold it), then the
 * response body (with `--include`: its status line and headers first). A failed run prints the error
 * as `file:line:column: kind: message` with the source line and a caret on stderr and exits 1.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type {
  ExecutionFailure,
  ExecutionJob,
  ExecutionLimits,
  ModuleSource,
  ScriptRequest,
  ScriptResponse,
} from '../../contracts/executor.js';
import type { ScriptServices } from '../../contracts/script-services.js';
import { LocalExecutorClient } from '../../executor/local-executor.js';
import type { ParseErrorKind } from '../../rhai/index.js';
import { RhaiError } from '../../rhai/index.js';
import { formatRhaiError } from '../../rhai/tools/run-file.js';
import { modulesBeside } from './local-modules.js';

/** What one run needs. */
export interface RunEndpointOptions {
  file: string;
  request: ScriptRequest;
  limits: ExecutionLimits;
  services: ScriptServices;
  /** Heap limit of the worker, MiB. */
  memoryLimitMb: number;
  /** Print the status line and headers before the body. */
  include: boolean;
  stdout: Writable;
  stderr: Writable;
}

/** The text of an HTTP status line's reason, for `--include`. */
const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  418: "I'm a Teapot",
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Runs the script; resolves with the exit code (0: the script answered, 1: it failed or could not be read). */
export async function runEndpoint(options: RunEndpointOptions): Promise<number> {
  const { file, stdout, stderr } = options;
  const fullPath = resolve(file);
  let source: string;
  try {
    source = await readFile(fullPath, 'utf8');
  } catch (error) {
    stderr.write(`${file}: cannot read file: ${(error as Error).message}\n`);
    return 1;
  }
  // `#!/usr/bin/env -S picloud rhai run` on the first line: a comment for the engine.
  if (source.startsWith('#!')) source = `//${source.slice(2)}`;
  const modules = modulesBeside(fullPath, source);
  const job: ExecutionJob = {
    script: { id: fullPath, version: 1, name: file, source },
    ...(Object.keys(modules).length > 0 ? { modules } : {}),
    request: options.request,
    limits: options.limits,
  };
  const executor = new LocalExecutorClient({
    workers: 1,
    memoryLimitMb: options.memoryLimitMb,
    services: options.services,
  });
  // The pool keeps an idle (still starting) worker unref'd so that it never holds a server open; this
  // command has nothing else pending while it waits, so it holds itself open until the report comes.
  const keepAlive = setTimeout(() => undefined, 2 ** 31 - 1);
  try {
    const report = await executor.execute(job);
    if (report.output !== '') stdout.write(`${report.output}\n`);
    if (report.result.ok) {
      writeResponse(stdout, report.result.response, options.include, options.request.method);
      return 0;
    }
    stderr.write(`${describe(report.result.error, file, source, modules)}\n`);
    if (options.include)
      writeResponse(stdout, errorResponse(report.result.error), true, options.request.method);
    return 1;
  } finally {
    clearTimeout(keepAlive);
    await executor.close();
  }
}

function writeResponse(out: Writable, response: ScriptResponse, include: boolean, method: string): void {
  if (include) {
    const head = [`HTTP/1.1 ${response.status} ${REASONS[response.status] ?? ''}`.trimEnd()];
    for (const [name, value] of Object.entries(response.headers)) head.push(`${name}: ${value}`);
    out.write(`${head.join('\n')}\n\n`);
  }
  const body = response.body;
  if (body === null || method === 'HEAD') return;
  if (typeof body === 'string') {
    // A line break after text that has none, so the shell's prompt starts on its own line.
    out.write(body.endsWith('\n') || body === '' ? body : `${body}\n`);
  } else out.write(body);
}

/** The JSON error the appliance answers for a failed run. */
function errorResponse(error: ExecutionFailure): ScriptResponse {
  const details: Record<string, unknown> = { ...error.details };
  if (error.kind !== undefined) details.kind = error.kind;
  if (error.line != null) {
    details.line = error.line;
    details.column = error.column;
  }
  return {
    status: error.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({
      error: {
        code: error.code,
        message: error.message,
        ...(Object.keys(details).length > 0 ? { details } : {}),
      },
    }),
  };
}

/** `file:line:column: kind: message`, the source line and a caret (the engine's own format). */
function describe(
  error: ExecutionFailure,
  file: string,
  source: string,
  modules: Record<string, ModuleSource>,
): string {
  const position = error.line != null ? { line: error.line, column: error.column ?? 1 } : null;
  let rhai: RhaiError;
  if (error.code === 'PICLOUD_ERR_SCRIPT_COMPILE') {
    rhai = RhaiError.parse((error.kind ?? 'BadInput') as ParseErrorKind, error.message, position);
  } else if (error.code === 'PICLOUD_ERR_SCRIPT_TIMEOUT') {
    rhai = new RhaiError(
      'ErrorTerminated',
      `${error.message} (the run's limit; --timeout changes it)`,
      position,
    );
  } else if (error.kind === 'ErrorTooManyOperations') {
    rhai = new RhaiError(
      'ErrorTooManyOperations',
      `${error.message} (the run's limit; --max-operations changes it)`,
      position,
    );
  } else {
    rhai = new RhaiError((error.kind ?? 'ErrorRuntime') as RhaiError['kind'], error.message, position);
  }
  const sources = new Map([[file, source], ...Object.values(modules).map((m) => [m.id, m.source] as const)]);
  const reason = error.details?.reason === undefined ? '' : ` [${String(error.details.reason)}]`;
  return `${formatRhaiError(rhai, file, sources)}${reason}`;
}
