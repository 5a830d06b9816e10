/**
 * The editor's live diagnostics (`POST /admin/scripts:check`): everything saving would refuse about a
 * script's source — compile errors, a module's shape, its imports (unknown module, another app's, an
 * endpoint, a cycle, a chain too deep), a reserved module name, a module others import turned into an
 * endpoint — as a list of positioned diagnostics instead of the save's first error. Writes nothing and
 * reads at most the app's script graph (one query), so the editor can call it on every pause in typing.
 */
import type { Kysely } from 'kysely';
import type { ScriptImport } from '../../contracts/script-checker.js';
import type { Database, ScriptKind } from '../../db/schema.js';
import type { CallerRights } from '../auth/caller-rights.js';
import type { ScriptChecker } from '../manager-deps.js';
import {
  type ImportProblem,
  inUseProblem,
  loadImportGraph,
  moduleOfAnotherApp,
  reservedNameProblem,
  resolveImports,
} from './script-imports.js';

/** One problem, as the editor marks it. */
export interface CheckDiagnostic {
  message: string;
  /** 1-based; null when the problem is about the script as a whole (its name, its kind). */
  line: number | null;
  column: number | null;
  /** The engine's kind (`ExprExpected`…), `ModuleShape`, `ImportPath`, or an import problem's kind. */
  kind: string;
  /** Every diagnostic blocks saving. */
  severity: 'error';
}

/** The result of a check. */
export interface CheckResult {
  /** Empty when saving the source would succeed (as far as the source decides). */
  diagnostics: CheckDiagnostic[];
  /** The script's imports, in source order (empty when it does not compile). */
  imports: ScriptImport[];
}

/** What is checked. */
export interface CheckInput {
  appId: string;
  kind: ScriptKind;
  source: string;
  /** The script's name: an existing script of the app by that name is the one being edited. */
  name: string | null;
  /** Who asks: another app's module is named as such only to a caller allowed to see that app. */
  caller?: CallerRights;
}

/** The placeholder id of a script that does not exist yet, in the app's graph (never a UUID). */
const NEW_SCRIPT = 'new-script';

function fromProblem(problem: ImportProblem): CheckDiagnostic {
  return {
    message: problem.message,
    line: problem.at?.line ?? null,
    column: problem.at?.column ?? null,
    kind: problem.kind,
    severity: 'error',
  };
}

/**
 * Checks a script as saving would.
 * @example await checkScript(db, checker, { appId, kind: 'endpoint', source: 'import "nope" as n;', name: null })
 * // { diagnostics: [{ message: '… no module named "nope"', line: 1, column: 1, kind: 'ImportUnknown', … }], … }
 */
export async function checkScript(
  db: Kysely<Database>,
  checker: ScriptChecker,
  input: CheckInput,
): Promise<CheckResult> {
  const analysis = checker.analyze(input.source, input.kind);
  const diagnostics: CheckDiagnostic[] = analysis.diagnostics.map((d) => ({ ...d, severity: 'error' }));
  const { imports } = analysis;
  // A new, unnamed script without imports has nothing to resolve: no query at all.
  if (imports.length > 0 || input.name !== null) {
    const graph = await loadImportGraph(db, input.appId);
    const existing =
      input.name === null ? undefined : [...graph.nodes.values()].find((node) => node.name === input.name);
    const script = {
      id: existing?.id ?? NEW_SCRIPT,
      name: input.name,
      kind: input.kind,
      before: existing ? { name: existing.name, kind: existing.kind } : null,
    };
    const problems: ImportProblem[] = [];
    const reserved = reservedNameProblem(script);
    if (reserved) problems.push(reserved);
    const inUse = existing ? inUseProblem(graph, { ...script, name: existing.name }) : null;
    if (inUse) problems.push(inUse);
    const resolved = await resolveImports(graph, script, imports, {
      moduleElsewhere: (name) => moduleOfAnotherApp(db, input.appId, name, input.caller),
      firstOnly: false,
    });
    problems.push(...resolved.problems);
    diagnostics.push(...problems.map(fromProblem));
  }
  // As saving reports them: by position, those about the whole script first.
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { diagnostics, imports };
}
