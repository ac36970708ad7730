/**
 * Drizzle ORM: a `pgTable` per model (the parent table; partitions are PostgreSQL's business),
 * the primary key as pgpart makes it, and `relations()` for the lockstep relation both
 * ways over both columns. Column types are those `drizzle-kit pull` writes: bigint in
 * number mode, time types in string mode (the key goes back exactly as the database
 * returned it: a JS Date would drop its microseconds). Also `pgpartTables`, the tables
 * drizzle-kit must leave alone, for drizzle.config.ts's tablesFilter.
 *
 * No foreign key is declared on the table: pgpart puts one on each partition, none on the
 * parent, and a declared one would have drizzle-kit try to add it there.
 */
import { madeBy, uniqueNames, type OrmColumn, type OrmProject, type OrmTable } from './shared.js';
import { tsIdent, tsKey, tsString, tsTemplate } from './text.js';

/** Names the file imports: models may not take them. */
const IMPORTED = new Set(['sql', 'relations', 'pg', 'pgpartTables', 'pgpartTablesFilter']);

export function drizzle(project: OrmProject, source: string): string {
  const names = new Map(project.tables.map((t) => [t.model, tsIdent(t.model, IMPORTED)]));
  uniqueNames(project.tables, (t) => names.get(t.model)!, 'Drizzle export');
  const schemaVar = project.schema === 'public' ? null : tsIdent(`${project.schema}Schema`, new Set([...IMPORTED, ...names.values()]));
  const out = [
    `// ${madeBy('drizzle', source)}`,
    "import { relations, sql } from 'drizzle-orm';",
    "import * as pg from 'drizzle-orm/pg-core';",
    '',
  ];
  if (schemaVar) out.push(`export const ${schemaVar} = pg.pgSchema(${tsString(project.schema)});`, '');
  for (const t of project.tables) out.push(table(t, names, schemaVar), '');
  for (const t of project.tables) {
    const rel = relationsOf(t, names);
    if (rel) out.push(rel, '');
  }
  out.push(
    '/**',
    ' * The tables pgpart manages in this schema, parents only. drizzle-kit must leave them, their',
    ' * partitions, the `parting` schema and the archive schema alone: see pgpartTablesFilter.',
    ' */',
    `export const pgpartTables = ${JSON.stringify(project.tables.map((t) => t.table))} as const;`,
    '',
    '/**',
    " * drizzle.config.ts's tablesFilter that keeps drizzle-kit off every table pgpart manages: the parents",
    ' * and every partition (`<table>_*`, which also matches your own tables named so: keep those out of',
    ' * this prefix or list them after it without the `!`).',
    ' */',
    `export const pgpartTablesFilter = ${JSON.stringify(['*', ...project.tables.flatMap((t) => [`!${t.table}`, `!${t.table}_*`])])};`,
    '',
  );
  return out.join('\n');
}

function table(t: OrmTable, names: Map<string, string>, schemaVar: string | null): string {
  const make = schemaVar ? `${schemaVar}.table` : 'pg.pgTable';
  const lines = [`/** ${t.schema}.${t.table}: partitioned by ${t.partitionKey}${t.parent ? `, in lockstep with ${t.parent.parent}` : ''}. */`];
  lines.push(`export const ${names.get(t.model)} = ${make}(${tsString(t.table)}, {`);
  for (const c of t.columns) lines.push(`  ${tsKey(c.name)}: ${column(c)},`);
  const extras: string[] = [];
  if (t.primaryKey.length) extras.push(`pg.primaryKey({ name: ${tsString(constraintName(t, 'pkey'))}, columns: [${t.primaryKey.map((c) => `t.${c}`).join(', ')}] })`);
  for (const u of t.unique) extras.push(`pg.unique(${tsString(constraintName(t, `${u.join('_')}_key`))}).on(${u.map((c) => `t.${c}`).join(', ')})`);
  lines.push(extras.length ? `}, (t) => [\n  ${extras.join(',\n  ')},\n]);` : '});');
  return lines.join('\n');
}

/** pgpart's name of a constraint on the parent (the same rule as the build's). */
function constraintName(t: OrmTable, tag: string): string {
  const full = `${t.table}_${tag}`;
  // Names past 63 bytes are shortened by pgpart with a hash; drizzle needs none to work, so leave those unnamed.
  return Buffer.byteLength(full) <= 63 ? full : '';
}

function column(c: OrmColumn): string {
  let out = builder(c);
  if (c.type.dims > 0) out += '.array()'.repeat(c.type.dims);
  if (c.identityAlways) out += '.generatedAlwaysAsIdentity()';
  else if (c.identityByDefault) out += '.generatedByDefaultAsIdentity()';
  if (c.notNull && !c.identityAlways && !c.identityByDefault && !c.serial) out += '.notNull()';
  if (c.generatedAs) out += `.generatedAlwaysAs(sql\`${tsTemplate(c.generatedAs)}\`)`;
  else if (c.defaultSql) out += `.default(sql\`${tsTemplate(c.defaultSql)}\`)`;
  return out;
}

function builder(c: OrmColumn): string {
  const n = tsString(c.name);
  const [p0, p1] = c.type.params;
  const opts = (o: Record<string, string | number | boolean | undefined>): string => {
    const parts = Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${typeof v === 'string' ? tsString(v) : v}`);
    return parts.length ? `, { ${parts.join(', ')} }` : '';
  };
  switch (c.type.name) {
    case 'bigint': return c.serial ? `pg.bigserial(${n}, { mode: 'number' })` : `pg.bigint(${n}, { mode: 'number' })`;
    case 'integer': return c.serial ? `pg.serial(${n})` : `pg.integer(${n})`;
    case 'smallint': return c.serial ? `pg.smallserial(${n})` : `pg.smallint(${n})`;
    case 'text': return `pg.text(${n})`;
    case 'varchar': return `pg.varchar(${n}${opts({ length: p0 })})`;
    case 'char': return `pg.char(${n}${opts({ length: p0 })})`;
    case 'boolean': return `pg.boolean(${n})`;
    case 'numeric': return `pg.numeric(${n}${opts({ precision: p0, scale: p1 })})`;
    case 'real': return `pg.real(${n})`;
    case 'double precision': return `pg.doublePrecision(${n})`;
    case 'timestamptz': return `pg.timestamp(${n}${opts({ withTimezone: true, mode: 'string', precision: p0 })})`;
    case 'timestamp': return `pg.timestamp(${n}${opts({ mode: 'string', precision: p0 })})`;
    case 'date': return `pg.date(${n}${opts({ mode: 'string' })})`;
    case 'time': return `pg.time(${n}${opts({ precision: p0 })})`;
    case 'timetz': return `pg.time(${n}${opts({ withTimezone: true, precision: p0 })})`;
    case 'interval': return `pg.interval(${n})`;
    case 'uuid': return `pg.uuid(${n})`;
    case 'json': return `pg.json(${n})`;
    case 'jsonb': return `pg.jsonb(${n})`;
    case 'inet': return `pg.inet(${n})`;
    case 'cidr': return `pg.cidr(${n})`;
    case 'macaddr': return `pg.macaddr(${n})`;
    default: {
      // A type Drizzle has no builder for (bytea, citext, a domain): its values pass through as
      // the driver reads them, and the column keeps its SQL type.
      const base = c.type.written.replace(/(\s*(\[\s*\d*\s*\]|\barray\b))+$/i, '');
      return `pg.customType<{ data: unknown }>({ dataType: () => ${tsString(base)} })(${n})`;
    }
  }
}

function relationsOf(t: OrmTable, names: Map<string, string>): string | null {
  if (!t.parent && t.children.length === 0) return null;
  const self = names.get(t.model)!;
  const fields: string[] = [];
  const uses: string[] = [];
  if (t.parent) {
    const r = t.parent;
    const parent = names.get(r.parent)!;
    uses.push('one');
    fields.push(`  /** ${r.columns.join(', ')} → ${r.parentTable} (${r.references.join(', ')}): the partition foreign key, with the key column. */\n`
      + `  ${tsKey(r.childField)}: one(${parent}, { fields: [${r.columns.map((c) => `${self}.${c}`).join(', ')}], `
      + `references: [${r.references.map((c) => `${parent}.${c}`).join(', ')}] }),`);
  }
  for (const r of t.children) {
    uses.push('many');
    fields.push(`  ${tsKey(r.parentField)}: many(${names.get(r.child)!}),`);
  }
  const params = [...new Set(uses)].join(', ');
  return `export const ${tsIdent(`${self}Relations`, new Set(names.values()))} = relations(${self}, ({ ${params} }) => ({\n${fields.join('\n')}\n}));`;
}
