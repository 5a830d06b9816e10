/**
 * The module graph of an app: which script imports which module (`script_imports`), kept in step with
 * the live versions inside the transaction of every save, rollback, rename and delete. A save is
 * refused when one of its imports names no module of the same app, closes a cycle or makes a chain
 * deeper than {@link MAX_IMPORT_DEPTH}; a module that others import cannot be deleted, renamed or made
 * an endpoint. Writes of one app's scripts are serialised by an advisory lock, so two concurrent saves
 * cannot build a cycle between them.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { RESERVED_MODULE_NAMES, type ScriptImport } from '../../contracts/script-checker.js';
import type { Database, ScriptKind } from '../../db/schema.js';
import { PicloudError } from '../../errors/catalogue.js';

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
  const renamed = saved.before !== null && saved.before.name !== saved.name;
  const kindChanged = saved.before !== null && saved.before.kind !== saved.kind;
  if (saved.kind === 'module' && (saved.before === null || renamed || kindChanged)) {
    if (RESERVED_MODULE_NAMES.has(saved.name)) {
      throw new PicloudError(
        'PICLOUD_ERR_MODULE_NAME_RESERVED',
        `A module cannot be named "${saved.name}": ${[...RESERVED_MODULE_NAMES].join(', ')} are reserved`,
      );
    }
  }
  if (saved.before?.kind === 'module') {
    if (saved.kind === 'endpoint')
      await refuseIfImported(trx, saved, 'change them before making it an endpoint');
    else if (renamed)
      await refuseIfImported(trx, { ...saved, name: saved.before.name }, 'change them before renaming it');
  }

  const graph = await loadGraph(trx, saved.appId);
  graph.nodes.set(saved.id, { id: saved.id, name: saved.name, kind: saved.kind });
  const byName = new Map([...graph.nodes.values()].map((node) => [node.name, node]));
  const targets = new Set<string>();
  for (const imported of imports) {
    const target = byName.get(imported.name);
    const where = `(line ${imported.line}, column ${imported.column})`;
    if (target === undefined) {
      const elsewhere = await trx
        .selectFrom('scripts')
        .select('id')
        .where('name', '=', imported.name)
        .where('kind', '=', 'module')
        .where('app_id', '!=', saved.appId)
        .executeTakeFirst();
      throw new PicloudError(
        'PICLOUD_ERR_MODULE_IMPORT',
        elsewhere
          ? `"${saved.name}" imports "${imported.name}" ${where}, a module of another app: scripts import only modules of their own app`
          : `"${saved.name}" imports "${imported.name}" ${where}, but the app has no module named "${imported.name}"`,
        { import: imported },
      );
    }
    if (target.kind !== 'module') {
      throw new PicloudError(
        'PICLOUD_ERR_MODULE_IMPORT',
        `"${saved.name}" imports "${imported.name}" ${where}, which is an endpoint: only modules can be imported`,
        { import: imported },
      );
    }
    targets.add(target.id);
  }
  graph.edges.set(saved.id, targets);

  const cycle = findCycle(graph, saved.id);
  if (cycle) {
    const names = cycle.map((id) => nameOf(graph, id));
    throw new PicloudError(
      'PICLOUD_ERR_MODULE_IMPORT',
      `The imports of "${saved.name}" make a cycle: ${names.join(' → ')}`,
      { cycle: names },
    );
  }
  const chain = longestChainThrough(graph, saved.id);
  if (chain.length - 1 > MAX_IMPORT_DEPTH) {
    const names = chain.map((id) => nameOf(graph, id));
    throw new PicloudError(
      'PICLOUD_ERR_MODULE_IMPORT',
      `The import chain ${names.join(' → ')} is ${chain.length - 1} imports deep; at most ${MAX_IMPORT_DEPTH} may be chained`,
      { chain: names },
    );
  }

  await trx.deleteFrom('script_imports').where('script_id', '=', saved.id).execute();
  if (targets.size > 0) {
    await trx
      .insertInto('script_imports')
      .values([...targets].map((imported) => ({ script_id: saved.id, imported_script_id: imported })))
      .execute();
  }
}

/** An app's scripts and import edges (importer → imported). */
interface Graph {
  nodes: Map<string, GraphNode>;
  edges: Map<string, Set<string>>;
}

async function loadGraph(trx: Transaction<Database>, appId: string): Promise<Graph> {
  const [scripts, imports] = await Promise.all([
    trx.selectFrom('scripts').select(['id', 'name', 'kind']).where('app_id', '=', appId).execute(),
    trx
      .selectFrom('script_imports')
      .innerJoin('scripts', 'scripts.id', 'script_imports.script_id')
      .select(['script_imports.script_id', 'script_imports.imported_script_id'])
      .where('scripts.app_id', '=', appId)
      .execute(),
  ]);
  const edges = new Map<string, Set<string>>();
  for (const edge of imports) {
    const targets = edges.get(edge.script_id) ?? new Set<string>();
    targets.add(edge.imported_script_id);
    edges.set(edge.script_id, targets);
  }
  return { nodes: new Map(scripts.map((s) => [s.id, s])), edges };
}

function nameOf(graph: Graph, id: string): string {
  return graph.nodes.get(id)?.name ?? id;
}

/**
 * A path `start → … → start`, or null. The graph was acyclic before this save, so any new cycle runs
 * through the saved script.
 */
function findCycle(graph: Graph, start: string): string[] | null {
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
function longestChainThrough(graph: Graph, id: string): string[] {
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
