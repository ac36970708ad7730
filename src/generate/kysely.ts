/**
 * Kysely: a table interface per model and the `DB` interface naming the tables (parents
 * only), typed as node-postgres returns each type (what kysely-codegen writes: bigint and
 * numeric as strings, time types as Date), each column's insert and update types saying
 * what the database fills. Kysely has no relations: `relations` lists the lockstep join of each
 * dependent to its parent, both columns, and `joinParent` builds that join condition.
 */
import { madeBy, pascal, uniqueNames, type OrmColumn, type OrmProject, type OrmTable } from './shared.js';
import { tsIdent, tsKey, tsString } from './text.js';

const DECLARED = new Set(['DB', 'ColumnType', 'JsonValue', 'relations', 'joinParent']);

export function kysely(project: OrmProject, source: string): string {
  const iface = new Map(project.tables.map((t) => [t.model, tsIdent(`${pascal(t.model)}Table`, DECLARED)]));
  uniqueNames(project.tables, (t) => iface.get(t.model)!, 'Kysely table interface');
  const qualify = (t: OrmTable | string): string => {
    const table = typeof t === 'string' ? t : t.table;
    return project.schema === 'public' ? table : `${project.schema}.${table}`;
  };
  const out = [
    `// ${madeBy('kysely', source)}`,
    "import type { ColumnType } from 'kysely';",
    '',
    'export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };',
    '',
  ];
  for (const t of project.tables) {
    out.push(`/** ${t.schema}.${t.table}: primary key (${t.primaryKey.join(', ')}), partitioned by ${t.partitionKey}. */`);
    out.push(`export interface ${iface.get(t.model)} {`);
    for (const c of t.columns) out.push(`  ${tsKey(c.name)}: ${columnType(c)};`);
    out.push('}', '');
  }
  out.push('export interface DB {');
  for (const t of project.tables) out.push(`  ${tsKey(qualify(t))}: ${iface.get(t.model)};`);
  out.push('}', '');
  const links = project.tables.flatMap((t) => (t.parent ? [t.parent] : []));
  out.push(
    '/** Each dependent\'s lockstep relation: its columns match its parent\'s, in order (the partition foreign key and the key column). */',
    'export const relations = {',
    ...links.map((r) => `  ${tsKey(qualify(r.childTable))}: { parent: ${tsString(qualify(r.parentTable))}, columns: ${JSON.stringify(r.columns)}, references: ${JSON.stringify(r.references)}, onDelete: ${tsString(r.onDelete)} },`),
    '} as const;',
    '',
    '/**',
    ' * The join condition of a dependent and its parent over both columns, for innerJoin/leftJoin',
    " * from either side: `db.selectFrom('star').innerJoin('tweet', (j) => joinParent(j, 'star'))`.",
    ' */',
    'export function joinParent<J extends { onRef: (...args: any[]) => J }>(join: J, child: keyof typeof relations): J {',
    '  const r = relations[child];',
    '  return r.columns.reduce<J>((j, col, i) => j.onRef(`${r.parent}.${r.references[i]}`, \'=\', `${child}.${col}`), join);',
    '}',
    '',
  );
  if (links.length === 0) {
    // With no dependents the helpers have nothing to name: keep the file valid TypeScript all the same.
    return out.join('\n').replace('export const relations = {\n} as const;', 'export const relations = {} as Record<never, { parent: string; columns: readonly string[]; references: readonly string[] }>;');
  }
  return out.join('\n');
}

/**
 * The column's ColumnType<select, insert, update>: as node-postgres reads and writes the type,
 * with `| null` where it may be NULL, `never` where the database alone writes it (identity
 * always, generated) and `| undefined` on insert where it fills what the row leaves out.
 */
function columnType(c: OrmColumn): string {
  let [sel, write] = scalar(c);
  for (let i = 0; i < c.type.dims; i++) {
    sel = `${wrapArray(sel)}[]`;
    write = `${wrapArray(write)}[]`;
  }
  if (!c.notNull && !c.identityAlways && !c.identityByDefault) {
    sel = `${sel} | null`;
    write = `${write} | null`;
  }
  if (c.identityAlways || c.generatedAs) return `ColumnType<${sel}, never, never>`;
  const insert = c.identityByDefault || c.serial || c.defaultSql ? `${write} | undefined` : write;
  return sel === write && insert === write ? sel : `ColumnType<${sel}, ${insert}, ${write}>`;
}

function wrapArray(t: string): string {
  return /^[A-Za-z0-9_]+$/.test(t) ? t : `(${t})`;
}

/** [what a select returns, what an insert or update takes], as node-postgres reads and writes the type. */
function scalar(c: OrmColumn): [string, string] {
  switch (c.type.name) {
    // int8 and numeric come back as strings: they may not fit a JS number.
    case 'bigint': return ['string', c.type.dims ? 'string' : 'bigint | number | string'];
    case 'numeric': return ['string', c.type.dims ? 'string' : 'number | string'];
    case 'integer': case 'smallint': case 'real': case 'double precision': return ['number', 'number'];
    case 'text': case 'varchar': case 'char': case 'uuid': case 'inet': case 'cidr': case 'macaddr': case 'time': case 'timetz': return ['string', 'string'];
    case 'boolean': return ['boolean', 'boolean'];
    // A Date holds milliseconds: a key with microseconds must be written as the string it was.
    case 'timestamptz': case 'timestamp': case 'date': return ['Date', 'Date | string'];
    // Written as JSON text: node-postgres would send a JS array as a PostgreSQL array.
    case 'json': case 'jsonb': return ['JsonValue', 'string'];
    case 'interval': return ['unknown', 'string'];
    case 'bytea': return ['Buffer', 'Buffer'];
    default: return ['unknown', 'unknown'];
  }
}
