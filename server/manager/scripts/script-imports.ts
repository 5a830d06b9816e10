/**
 * The module graph of an app: which script imports which module (`script_imports`), kept in step with
 * the live versions inside the transaction of every save, rollback, rename and delete. A save is
 * refused when one of its imports names no module of the same app, closes a cycle or makes a chain
 * deeper than {@link MAX_IMPORT_DEPTH}; a module that others import cannot be deleted, renamed or made
 * an endpoint. Writes of one app's scripts are serialised by an advisory lock, so two concurrent saves
 * cannot build a cycle between them. The same rules, without writing anything, give the editor's live
 * diagnostics (script-check.ts).
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { RESERVED_MODULE_NAMES, type ScriptImport } from '../../contracts/script-checker.js';
import type { Database, ScriptKind } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';
import { APPLIANCE, type CallerRights } from '../auth/caller-rights.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The longest chain of imports (counted in imports, from an endpoint down to the last module). */
export const MAX_IMPORT_DEPTH = 8;

/** A script as the graph sees it. */
interface GraphNode {
  id: string;
  name: string;
  kind: ScriptKind;
}

/** Serialises the writes to one app's scripts until the transaction ends. Take it before any row lock. */
export async function lockAppScripts(trx: Transaction<Database>, appId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`picloud.scripts:${appId}`}, 0))`.execute(trx);
}

/** The scripts importing `scriptId`, by name. */
export async function importersOf(db: Db, scriptId: string): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('script_imports')
    .innerJoin('scripts', 'scripts.id', 'script_imports.script_id')
    .select(['scripts.id', 'scripts.name'])
    .where('script_imports.imported_script_id', '=', scriptId)
    .orderBy('scripts.name')
    .execute();
}

/** Refuses a change that would break the scripts importing a module (409 naming them). */
export async function refuseIfImported(db: Db, script: GraphNode, what: string): Promise<void> {
  const importers = await importersOf(db, script.id);
  if (importers.length === 0) return;
  throw new PicloudError(
    'PICLOUD_ERR_MODULE_IN_USE',
    `"${script.name}" is imported by ${importers.map((s) => `"${s.name}"`).join(', ')}: ${what}`,
    { importers },
  );
}

/** The script being saved: its id and app, and its name and kind after the save. */
export interface SavedScript extends GraphNode {
  appId: string;
  /** Name and kind before the save; null for a new script. */
  before: { name: string; kind: ScriptKind } | null;
  /** Who saves: a refusal names another app's module only to a caller allowed to see that app. */
  caller?: CallerRights;
}

/**
 * Why a save refuses a script's imports, or its name as a module: what saving throws (the first one)
 * and what the editor's live check (`POST /admin/scripts:check`) lists, each at its import.
 */
export interface ImportProblem {
  code: 'PICLOUD_ERR_MODULE_IMPORT' | 'PICLOUD_ERR_MODULE_NAME_RESERVED' | 'PICLOUD_ERR_MODULE_IN_USE';
  message: string;
  /** The diagnostic kind the editor shows. */
  kind:
    | 'ImportUnknown'
    | 'ImportForeign'
    | 'ImportEndpoint'
    | 'ImportCycle'
    | 'ImportDepth'
    | 'ModuleNameReserved'
    | 'ModuleInUse';
  /** The import the problem is about; null when it is about the script itself (its name, its kind). */
  at: ScriptImport | null;
  /** The error's safe details. */
  details?: unknown;
}

/** The error a save throws for a problem. */
export function importError(problem: ImportProblem): PicloudError {
  return new PicloudError(problem.code, problem.message, problem.details);
}

/** How messages name the script: by its name, or generically while it has none yet (the live check). */
function label(script: { name: string | null }): string {
  return script.name === null ? 'The script' : `"${script.name}"`;
}

/** A module may not take a reserved name; checked when it gets its name or becomes a module. */
export function reservedNameProblem(saved: {
  name: string | null;
  kind: ScriptKind;
  before: { name: string; kind: ScriptKind } | null;
}): ImportProblem | null {
  if (saved.kind !== 'module' || saved.name === null || !RESERVED_MODULE_NAMES.has(saved.name)) return null;
  const renamed = saved.before !== null && saved.before.name !== saved.name;
  const kindChanged = saved.before !== null && saved.before.kind !== saved.kind;
  if (saved.before !== null && !renamed && !kindChanged) return null;
  return {
    code: 'PICLOUD_ERR_MODULE_NAME_RESERVED',
    message: `A module cannot be named "${saved.name}": ${[...RESERVED_MODULE_NAMES].join(', ')} are reserved`,
    kind: 'ModuleNameReserved',
    at: null,
  };
}

/** The script whose imports are resolved: its id in the graph (any unused key for a new one). */
export interface ResolvedScript {
  id: string;
  name: string | null;
  kind: ScriptKind;
}

/**
 * Resolves a script's imports against its app's graph (which it updates with the script's new name,
 * kind and edges): each import must name a module of the app, and the result must have no cycle and no
 * chain deeper than {@link MAX_IMPORT_DEPTH}. `moduleElsewhere` tells an unknown name that is a module
 * of another app (a better message); `firstOnly` stops at the first problem, as a save does.
 */
export async function resolveImports(
  graph: ImportGraph,
  script: ResolvedScript,
  imports: readonly ScriptImport[],
  options: { moduleElsewhere: (name: string) => Promise<boolean>; firstOnly: boolean },
): Promise<{ problems: ImportProblem[]; targets: Set<string> }> {
  const who = label(script);
  const problems: ImportProblem[] = [];
  graph.nodes.set(script.id, { id: script.id, name: script.name ?? '', kind: script.kind });
  const byName = new Map(
    [...graph.nodes.values()].filter((node) => node.name !== '').map((node) => [node.name, node]),
  );
  const targets = new Set<string>();
  // The first import of each module, where a cycle or a chain through it is reported.
  const firstImport = new Map<string, ScriptImport>();
  for (const imported of imports) {
    const target = byName.get(imported.name);
    const where = `(line ${imported.line}, column ${imported.column})`;
    if (target === undefined) {
      const elsewhere = await options.moduleElsewhere(imported.name);
      problems.push({
        code: 'PICLOUD_ERR_MODULE_IMPORT',
        message: elsewhere
          ? `${who} imports "${imported.name}" ${where}, a module of another app: scripts import only modules of their own app`
          : `${who} imports "${imported.name}" ${where}, but the app has no module named "${imported.name}"`,
        kind: elsewhere ? 'ImportForeign' : 'ImportUnknown',
        at: imported,
        details: { import: imported },
      });
    } else if (target.kind !== 'module') {
      problems.push({
        code: 'PICLOUD_ERR_MODULE_IMPORT',
        message: `${who} imports "${imported.name}" ${where}, which is an endpoint: only modules can be imported`,
        kind: 'ImportEndpoint',
        at: imported,
        details: { import: imported },
      });
    } else {
      targets.add(target.id);
      if (!firstImport.has(target.id)) firstImport.set(target.id, imported);
      continue;
    }
    if (options.firstOnly) return { problems, targets };
  }
  graph.edges.set(script.id, targets);

  const cycle = findCycle(graph, script.id);
  if (cycle) {
    const names = cycle.map((id) => nameOf(graph, id));
    problems.push({
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: `The imports of ${who} make a cycle: ${names.join(' → ')}`,
      kind: 'ImportCycle',
      at: firstImport.get(cycle[1]) ?? null,
      details: { cycle: names },
    });
    // Chains are measured on an acyclic graph only.
    return { problems, targets };
  }
  const chain = longestChainThrough(graph, script.id);
  if (chain.length - 1 > MAX_IMPORT_DEPTH) {
    const names = chain.map((id) => nameOf(graph, id));
    const below = chain[chain.indexOf(script.id) + 1];
    problems.push({
      code: 'PICLOUD_ERR_MODULE_IMPORT',
      message: `The import chain ${names.join(' → ')} is ${chain.length - 1} imports deep; at most ${MAX_IMPORT_DEPTH} may be chained`,
      kind: 'ImportDepth',
      at: (below === undefined ? undefined : firstImport.get(below)) ?? null,
      details: { chain: names },
    });
  }
  return { problems, targets };
}

/**
 * A module named `name` exists in another app the caller may see (for the message about an unknown
 * import); to a token limited to one app, another app's module is as unknown as a missing one.
 */
export async function moduleOfAnotherApp(
  db: Db,
  appId: string,
  name: string,
  caller: CallerRights = APPLIANCE,
): Promise<boolean> {
  const found = await db
    .selectFrom('scripts')
    .select('app_id')
    .where('name', '=', name)
    .where('kind', '=', 'module')
    .where('app_id', '!=', appId)
    .execute();
  return found.some((row) => caller.seesApp(row.app_id));
}

/**
 * Checks a save against the module graph and stores the script's new imports. Call it inside the
 * saving transaction, after {@link lockAppScripts} and after the script row exists.
 */
export async function saveImports(
  trx: Transaction<Database>,
  saved: SavedScript,
  imports: readonly ScriptImport[],
): Promise<void> {
  const reserved = reservedNameProblem(saved);
  if (reserved) throw importError(reserved);
  const renamed = saved.before !== null && saved.before.name !== saved.name;
  if (saved.before?.kind === 'module') {
    if (saved.kind === 'endpoint')
      await refuseIfImported(trx, saved, 'change them before making it an endpoint');
    else if (renamed)
      await refuseIfImported(trx, { ...saved, name: saved.before.name }, 'change them before renaming it');
  }

  const graph = await loadImportGraph(trx, saved.appId);
  const { problems, targets } = await resolveImports(graph, saved, imports, {
    moduleElsewhere: (name) => moduleOfAnotherApp(trx, saved.appId, name, saved.caller),
    firstOnly: true,
  });
  if (problems.length > 0) throw importError(problems[0]);

  await trx.deleteFrom('script_imports').where('script_id', '=', saved.id).execute();
  if (targets.size > 0) {
    await trx
      .insertInto('script_imports')
      .values([...targets].map((imported) => ({ script_id: saved.id, imported_script_id: imported })))
      .execute();
  }
}

/** An app's scripts and import edges (importer → imported). */
export interface ImportGraph {
  nodes: Map<string, GraphNode>;
  edges: Map<string, Set<string>>;
}

/** Loads an app's graph in one query: its scripts, each with the ids of the modules it imports. */
export async function loadImportGraph(db: Db, appId: string): Promise<ImportGraph> {
  const rows = await db
    .selectFrom('scripts')
    .leftJoin('script_imports', 'script_imports.script_id', 'scripts.id')
    .select([
      'scripts.id',
      'scripts.name',
      'scripts.kind',
      sql<string[]>`coalesce(array_agg(script_imports.imported_script_id::text)
        FILTER (WHERE script_imports.imported_script_id IS NOT NULL), '{}')`.as('imports'),
    ])
    .where('scripts.app_id', '=', appId)
    .groupBy('scripts.id')
    .execute();
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, Set<string>>();
  for (const row of rows) {
    nodes.set(row.id, { id: row.id, name: row.name, kind: row.kind });
    if (row.imports.length > 0) edges.set(row.id, new Set(row.imports));
  }
  return { nodes, edges };
}

/**
 * A module that others import cannot become an endpoint: {@link refuseIfImported} on a loaded graph
 * (the live check), with the same message.
 */
export function inUseProblem(
  graph: ImportGraph,
  script: { id: string; name: string; kind: ScriptKind; before: { kind: ScriptKind } | null },
): ImportProblem | null {
  if (script.before?.kind !== 'module' || script.kind !== 'endpoint') return null;
  const importers = importersIn(graph, script.id);
  if (importers.length === 0) return null;
  return {
    code: 'PICLOUD_ERR_MODULE_IN_USE',
    message: `"${script.name}" is imported by ${importers.map((s) => `"${s.name}"`).join(', ')}: change them before making it an endpoint`,
    kind: 'ModuleInUse',
    at: null,
    details: { importers },
  };
}

/** The scripts of the graph importing `id`, by name (what the in-use refusal lists). */
export function importersIn(graph: ImportGraph, id: string): { id: string; name: string }[] {
  const importers: { id: string; name: string }[] = [];
  for (const [from, targets] of graph.edges) {
    if (from !== id && targets.has(id)) importers.push({ id: from, name: nameOf(graph, from) });
  }
  return importers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function nameOf(graph: ImportGraph, id: string): string {
  return graph.nodes.get(id)?.name ?? id;
}

/**
 * A path `start → … → start`, or null. The graph was acyclic before this save, so any new cycle runs
 * through the saved script.
 */
function findCycle(graph: ImportGraph, start: string): string[] | null {
  const done = new Set<string>();
  const path: string[] = [start];
  const visit = (id: string): boolean => {
    for (const next of graph.edges.get(id) ?? []) {
      if (next === start) {
        path.push(next);
        return true;
      }
      if (done.has(next)) continue;
      done.add(next);
      path.push(next);
      if (visit(next)) return true;
      path.pop();
    }
    return false;
  };
  return visit(start) ? path : null;
}

/** The longest import chain through `id`: its deepest importer chain above, its deepest imports below. */
function longestChainThrough(graph: ImportGraph, id: string): string[] {
  const importers = new Map<string, Set<string>>();
  for (const [from, targets] of graph.edges) {
    for (const to of targets) {
      const set = importers.get(to) ?? new Set<string>();
      set.add(from);
      importers.set(to, set);
    }
  }
  const down = longestPath(id, (node) => graph.edges.get(node) ?? []);
  const up = longestPath(id, (node) => importers.get(node) ?? []);
  return [...up.reverse(), ...down.slice(1)];
}

/** The longest path from `start` in an acyclic graph, `start` first. */
function longestPath(start: string, next: (id: string) => Iterable<string>): string[] {
  const memo = new Map<string, string[]>();
  const visit = (id: string): string[] => {
    const known = memo.get(id);
    if (known) return known;
    let best = [id];
    for (const n of next(id)) {
      const tail = visit(n);
      if (tail.length + 1 > best.length) best = [id, ...tail];
    }
    memo.set(id, best);
    return best;
  };
  return visit(start);
}
