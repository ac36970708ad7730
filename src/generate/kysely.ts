/**
 * Kysely: a table interface per model and the `DB` interface naming the tables (parents
 * only), typed as node-postgres returns each type (what kysely-codegen writes: bigint and
 * numeric as strings, time types as Date), with `Generated`/`GeneratedAlways` on what the
 * database fills. Kysely has no relations: `relations` lists the lockstep join of each
 * dependent to its parent, both columns, and `joinParent` builds that join condition.
 */
import { madeBy, pascal, uniqueNames, type OrmColumn, type OrmProject, type OrmTable } from './shared.js';
import { tsIdent, tsKey, tsString } from './text.js';

const DECLARED = new Set(['DB', 'Generated', 'GeneratedAlways', 'ColumnType', 'Int8', 'Numeric', 'Timestamp', 'Json', 'JsonValue', 'Interval', 'relations', 'joinParent']);

export function kysely(project: OrmProject, source: string): string {
  const iface = new Map(project.tables.map((t) => [t.model, tsIdent(`${pascal(t.model)}Table`, DECLARED)]));
  uniqueNames(project.tables, (t) => iface.get(t.model)!, 'Kysely table interface');
  const qualify = (t: OrmTable | string): string => {
    const table = typeof t === 'string' ? t : t.table;
    return project.schema === 'public' ? table : `${project.schema}.${table}`;
  };
  const out = [
    `// ${madeBy('kysely', source)}`,
    "import type { ColumnType, Generated, GeneratedAlways } from 'kysely';",
    '',
    '/** bigint: node-postgres returns int8 as a string (it may not fit a JS number). */',
    'export type Int8 = ColumnType<string, bigint | number | string, bigint | number | string>;',
    '/** numeric: a string, exact. */',
    'export type Numeric = ColumnType<string, number | string, number | string>;',
    '/** Time types as node-postgres returns them: a Date, to the millisecond. Keys with microseconds: write them as strings. */',
    'export type Timestamp = ColumnType<Date, Date | string, Date | string>;',
    'export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };',
    'export type Json = ColumnType<JsonValue, JsonValue, JsonValue>;',
    'export type Interval = ColumnType<unknown, string, string>;',
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

function columnType(c: OrmColumn): string {
  let base = scalar(c);
  for (let i = 0; i < c.type.dims; i++) base = `${wrapArray(base)}[]`;
  if (!c.notNull && !c.identityAlways && !c.identityByDefault) base = `${base} | null`;
  if (c.identityAlways || c.generatedAs) return `GeneratedAlways<${base}>`;
  if (c.identityByDefault || c.serial || c.defaultSql) return `Generated<${base}>`;
  return base;
}

function wrapArray(t: string): string {
  return /^[A-Za-z0-9_]+$/.test(t) ? t : `(${t})`;
}

function scalar(c: OrmColumn): string {
  switch (c.type.name) {
    case 'bigint': return c.type.dims ? 'string' : 'Int8';
    case 'numeric': return c.type.dims ? 'string' : 'Numeric';
    case 'integer': case 'smallint': case 'real': case 'double precision': return 'number';
    case 'text': case 'varchar': case 'char': case 'uuid': case 'inet': case 'cidr': case 'macaddr': case 'time': case 'timetz': return 'string';
    case 'boolean': return 'boolean';
    case 'timestamptz': case 'timestamp': case 'date': return c.type.dims ? 'Date' : 'Timestamp';
    case 'json': case 'jsonb': return c.type.dims ? 'JsonValue' : 'Json';
    case 'interval': return c.type.dims ? 'unknown' : 'Interval';
    case 'bytea': return 'Buffer';
    default: return 'unknown';
  }
}
