// Growing a benchmark database to tens of thousands of partitions the fastest safe way: every
// partition a copy of one pgpart made (its DDL as the catalog prints it, with that partition's
// suffix and bounds replaced), so pgpart's calls are then measured on the database pgpart
// would have left, and each copy is checked catalog-identical to the partition it copies.
//
// Where the time goes (measured on PostgreSQL 15, 2 cores): nearly all of it is in ATTACH
// PARTITION, and two costs in it grow with the database:
//   - each ATTACH (as each CREATE TABLE … PARTITION OF) rebuilds the parent's partition
//     descriptor, reading and parsing the bound of every partition of that parent: about
//     5 µs per partition, so growing one parent to N partitions costs O(N²);
//   - each ATTACH also looks for foreign keys that reference the parent by reading all of
//     pg_constraint sequentially (there is no index on confrelid): about 0.2 µs per row of
//     the whole database, every parent's partitions' constraints included, so O(N²) over
//     the database, not the parent.
// Neither can be avoided by any way of making partitions one at a time; the second can be made
// smaller. So the partitions are made in two passes:
//   1. per parent, each partition created (LIKE the parent, the id default, its keys and
//      indexes) and attached at once, in transactions of CHUNK partitions, two sessions at a
//      time on different parents (a parent's ATTACHes are serialised by its lock), a new
//      connection per chunk (a session keeps every partition descriptor it rebuilt while
//      attaching until it ends), without the bound CHECK and the foreign keys: the
//      ATTACHes then read a pg_constraint of one row per partition (its primary key) instead
//      of two to three. Without the CHECK, ATTACH scans the new partition for rows outside
//      its bounds: it is empty;
//   2. the bound CHECKs and the foreign keys added to every new partition, each O(1) (a
//      partition's own catalog rows and an empty table to validate), two sessions on
//      different partitions.
// The resulting catalog is the same as making each partition with its CHECK and foreign key
// before the ATTACH (pgpart's order): the constraints are the partitions' own either way
// (conislocal, no parent), and sameShape() checks it. Creating tables first and attaching
// them all afterwards would be slower: their constraints would already be in pg_constraint
// for every ATTACH.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { connect } from './conn.js';

/** One partition's name suffix and bounds, as pgpart writes them in its DDL and history. */
export interface Slot {
  suffix: string;
  lower: string;
  upper: string;
}

/** One parent's statements, with @S@ (suffix), @L@ and @U@ (bounds) for a partition's. */
export interface TableTemplate {
  parent: string;
  /** The partition made as pgpart makes it: table, id default, CHECK, keys, indexes, foreign keys. */
  make: string[];
  /** The ATTACH PARTITION. */
  attach: string;
  /** Of `make`, what goes before the ATTACH when growing (table, default, keys, indexes)... */
  early: string[];
  /** ... and what is added after every ATTACH (the CHECKs, then the foreign keys). */
  late: string[];
}

/** Slot `s`'s values put into a statement with placeholders. */
export function fill(statement: string, s: Slot): string {
  return statement.split('@S@').join(s.suffix).split('@L@').join(s.lower).split('@U@').join(s.upper);
}

/** Slot `s`'s partition name, suffix and bounds in `text` replaced by placeholders (names first: a suffix may equal a bound). */
function unfill(text: string, parents: readonly string[], s: Slot): string {
  let out = text;
  for (const p of parents) out = out.split(`${p}_${s.suffix}`).join(`${p}_@S@`);
  return out.split(s.upper).join('@U@').split(s.lower).join('@L@');
}

/**
 * The statements that make a partition of `public.<parent>` like `public.<parent>_<s.suffix>`,
 * which pgpart made: CREATE TABLE … LIKE, the id default pgpart sets on PostgreSQL 14–16,
 * the CHECK and key constraints, the other indexes, the foreign keys, as the catalog prints
 * them. `family` lists every parent whose partition names may appear (a foreign key names
 * the root's partition).
 */
export async function tableTemplate(c: pg.Client, parent: string, family: readonly string[], s: Slot): Promise<TableTemplate> {
  const like = 'INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS';
  const sub = (x: string): string => unfill(x, family, s);
  const part = `public.${parent}_${s.suffix}`;
  const early: string[] = [sub(`CREATE TABLE ${part} (LIKE public.${parent} ${like})`)];
  const def = await c.query<{ d: string | null }>(
    `SELECT pg_get_expr(d.adbin, d.adrelid) AS d FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
      WHERE d.adrelid = $1::regclass AND a.attname = 'id'`, [part]);
  if (def.rows[0]?.d) early.push(sub(`ALTER TABLE ${part} ALTER COLUMN id SET DEFAULT ${def.rows[0].d}`));
  const cons = await c.query<{ s: string; contype: string }>(
    `SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', $1::text, conname, pg_get_constraintdef(oid)) AS s, contype::text
       FROM pg_constraint WHERE conrelid = $1::regclass AND contype <> 'f'
      ORDER BY CASE contype WHEN 'c' THEN 0 ELSE 1 END, conname`, [part]);
  const checks = cons.rows.filter((r) => r.contype === 'c').map((r) => sub(r.s));
  const keys = cons.rows.filter((r) => r.contype !== 'c').map((r) => sub(r.s));
  const ix = await c.query<{ s: string }>(
    `SELECT pg_get_indexdef(x.indexrelid) AS s FROM pg_index x
      WHERE x.indrelid = $1::regclass AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)
      ORDER BY x.indexrelid::regclass::text`, [part]);
  const indexes = ix.rows.map((r) => sub(r.s));
  const fks = await c.query<{ s: string }>(
    `SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', $1::text, conname, pg_get_constraintdef(oid)) AS s
       FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname`, [part]);
  const fk = fks.rows.map((r) => sub(r.s));
  const bounds = await c.query<{ b: string }>(`SELECT pg_get_expr(relpartbound, oid) AS b FROM pg_class WHERE oid = $1::regclass`, [part]);
  const attach = `ALTER TABLE public.${parent} ATTACH PARTITION public.${parent}_@S@ ${sub(bounds.rows[0]!.b)}`;
  return {
    parent,
    make: [...early, ...checks, ...keys, ...indexes, ...fk],
    attach,
    early: [...early, ...keys, ...indexes],
    late: [...checks, ...fk],
  };
}

/** Placed once per database: runs the statements for each slot, in one transaction (the CALL's). */
export const CLONE_SQL = `
CREATE SCHEMA IF NOT EXISTS bench;
CREATE OR REPLACE PROCEDURE bench.clone(p_statements text[], p_suffix text[], p_lower text[], p_upper text[])
LANGUAGE plpgsql AS $$
DECLARE
  s text;
BEGIN
  FOR i IN 1 .. cardinality(p_suffix) LOOP
    FOREACH s IN ARRAY p_statements LOOP
      EXECUTE replace(replace(replace(s, '@S@', p_suffix[i]), '@L@', p_lower[i]), '@U@', p_upper[i]);
    END LOOP;
  END LOOP;
END $$`;

/** Partitions per parent per transaction (and per connection) while growing. */
export const CHUNK = 100;
/** Sessions working at once (the machine's 2 cores). */
export const SESSIONS = 2;

export interface Growth {
  /** Seconds in pass 1 (create + ATTACH), pass 2 (CHECKs and foreign keys). */
  attachS: number;
  lateS: number;
}

async function call(url: string, statements: string[], slots: readonly Slot[]): Promise<void> {
  const c = await connect(url);
  try {
    await c.query('CALL bench.clone($1, $2, $3, $4)', [statements, slots.map((s) => s.suffix), slots.map((s) => s.lower), slots.map((s) => s.upper)]);
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Makes a partition of every parent of `templates` for every slot (see the header): pass 1 per
 * parent in chunks, SESSIONS at a time, a session taking the chunk of the parent with the
 * most left that no other session is attaching to; pass 2 in chunks of slots over every parent.
 * CLONE_SQL must have been run in the database.
 */
export async function growClones(url: string, templates: readonly TableTemplate[], slots: readonly Slot[],
                                  log: (msg: string) => void = () => {}): Promise<Growth> {
  const chunks: Slot[][] = [];
  for (let i = 0; i < slots.length; i += CHUNK) chunks.push(slots.slice(i, i + CHUNK));
  const t0 = performance.now();
  const left = new Map(templates.map((t) => [t, [...chunks]]));
  const busy = new Set<TableTemplate>();
  const next = (): { t: TableTemplate; chunk: Slot[] } | undefined => {
    let best: TableTemplate | undefined;
    for (const [t, cs] of left) if (!busy.has(t) && cs.length && (!best || cs.length > left.get(best)!.length)) best = t;
    if (!best) return undefined;
    busy.add(best);
    return { t: best, chunk: left.get(best)!.shift()! };
  };
  const total = chunks.length * templates.length;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let job = next(); job; job = next()) {
      try {
        await call(url, [...job.t.early, job.t.attach], job.chunk);
      } finally {
        busy.delete(job.t);
      }
      // Progress about every tenth of the way, for long growths.
      if (++done % Math.max(1, Math.round(total / 10)) === 0) log(`    ${done}/${total} chunks attached, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  };
  // A worker finding every parent with work left busy stops; the others finish the rest.
  await Promise.all(Array.from({ length: Math.min(SESSIONS, templates.length) }, worker));
  if ([...left.values()].some((cs) => cs.length)) {
    for (const [t, cs] of left) for (const chunk of cs.splice(0)) await call(url, [...t.early, t.attach], chunk);
  }
  const t1 = performance.now();
  const late = templates.flatMap((t) => t.late);
  const queue = [...chunks];
  await Promise.all(Array.from({ length: SESSIONS }, async () => {
    for (let chunk = queue.shift(); chunk; chunk = queue.shift()) await call(url, late, chunk);
  }));
  return { attachS: (t1 - t0) / 1000, lateS: (performance.now() - t1) / 1000 };
}

/**
 * The `created` history rows pgpart would have logged for `slots` of `models`, copied from the
 * row it logged for the template slot `t` (its detail with the slot's suffix and bounds put in),
 * newest slot first as `slots` lists them.
 */
export async function logCreated(c: pg.Client, models: readonly string[], t: Slot, slots: readonly Slot[]): Promise<void> {
  // The template's values become placeholders first, so a slot's bound equal to the
  // template's other bound (the slot just below it) is not replaced twice.
  const r = await c.query(
    `WITH tpl AS (
       SELECT DISTINCT ON (h.model) h.model, replace(replace(replace(h.detail::text, $3, '@U@'), $4, '@L@'), $2, '@S@') AS detail, m.o
         FROM parting.history h JOIN unnest($1::text[]) WITH ORDINALITY AS m(model, o) ON m.model = h.model
        WHERE h.action = 'created' AND h.partition = h.model || '_' || $2
        ORDER BY h.model, h.id DESC)
     INSERT INTO parting.history (model, partition, action, detail, duration)
     SELECT tpl.model, tpl.model || '_' || s.suffix, 'created',
            replace(replace(replace(tpl.detail, '@U@', s.upper), '@L@', s.lower), '@S@', s.suffix)::jsonb, interval '0'
       FROM unnest($5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS s(suffix, lower, upper, n)
      CROSS JOIN tpl
      ORDER BY s.n, tpl.o`,
    [models, t.suffix, JSON.stringify(t.upper).slice(1, -1), JSON.stringify(t.lower).slice(1, -1),
      slots.map((s) => s.suffix), slots.map((s) => s.lower), slots.map((s) => s.upper)]);
  if ((r.rowCount ?? 0) !== models.length * slots.length) {
    throw new Error(`history: ${r.rowCount} created rows for ${models.length} models × ${slots.length} slots (no template row of some model?)`);
  }
}

/** A table's shape with its suffix and bounds taken out. */
const SHAPE_SQL = `
SELECT string_agg(x, E'\\n' ORDER BY x) AS shape FROM (
  SELECT format('column %s %s notnull=%s local=%s inherited=%s default=%s', a.attname, format_type(a.atttypid, a.atttypmod),
                a.attnotnull, a.attislocal, a.attinhcount, pg_get_expr(d.adbin, d.adrelid)) AS x
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT format('constraint %s %s local=%s inherited=%s validated=%s parent=%s', k.conname, pg_get_constraintdef(k.oid), k.conislocal,
                k.coninhcount, k.convalidated, k.conparentid::regclass IS NOT NULL)
    FROM pg_constraint k WHERE k.conrelid = $1::regclass
  UNION ALL
  SELECT format('index %s valid=%s attached=%s', pg_get_indexdef(x.indexrelid), x.indisvalid,
                EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = x.indexrelid))
    FROM pg_index x WHERE x.indrelid = $1::regclass
  UNION ALL
  SELECT format('trigger %s', pg_get_triggerdef(t.oid))
    FROM pg_trigger t WHERE t.tgrelid = $1::regclass AND t.tgname !~ '^RI_ConstraintTrigger'
  UNION ALL
  SELECT format('foreign key triggers %s', count(*)) FROM pg_trigger t WHERE t.tgrelid = $1::regclass AND t.tgname ~ '^RI_ConstraintTrigger'
  UNION ALL
  SELECT format('table owner=%s acl=%s persistence=%s options=%s tablespace=%s bound=%s', r.relowner::regrole, r.relacl,
                r.relpersistence, r.reloptions, r.reltablespace, pg_get_expr(r.relpartbound, r.oid))
    FROM pg_class r WHERE r.oid = $1::regclass
) s`;

/** Throws unless `public.<parent>_<b.suffix>` (a copy) has the shape of `public.<parent>_<a.suffix>` (pgpart's). */
export async function sameShape(c: pg.Client, parent: string, family: readonly string[], a: Slot, b: Slot): Promise<void> {
  const shape = async (s: Slot): Promise<string> => {
    const r = await c.query<{ shape: string }>(SHAPE_SQL, [`public.${parent}_${s.suffix}`]);
    return unfill(r.rows[0]?.shape ?? '', family, s);
  };
  const [want, got] = [await shape(a), await shape(b)];
  if (want !== got) throw new Error(`${parent}_${b.suffix} (copied) differs from ${parent}_${a.suffix} (pgpart's):\n--- pgpart\n${want}\n--- copy\n${got}`);
}
