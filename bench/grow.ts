// Growing part 6's database to thousands of daily partitions, one day after the other going
// back from the oldest one, so the partitions stay contiguous up to today + premake.
//
// Attaching a partition makes PostgreSQL read the bounds of every partition of the parent
// (twice: to check for overlap, then to look for a default partition), so making N
// partitions one by one costs O(N²) whoever makes them: 5,000 families through
// ensure_partition took 5.6 minutes on the 2-core benchmark machine. Two ways are used:
//   - pgpart itself, parting.ensure_partition for each day in a procedure that commits every
//     GROW_COMMIT_EVERY days (the small sizes);
//   - past those, the same tables made by hand-written DDL (days.ts's floor: every object
//     under pgpart's names), unattached, then attached by two sessions at once, one for
//     tweet's and one for star's (the two parents' bound reading in parallel on two cores),
//     and the `created` rows pgpart would have logged added to parting.history. Each table
//     made so is checked to be catalog-identical to one ensure_partition made, and
//     parting.check() must find nothing, so pgpart's calls are then measured on the
//     database pgpart would have left.

import type pg from 'pg';
import { connect } from './conn.js';
import { bareFamilyAttach, bareFamilyTables, dayAt, type Day, type Sequences } from './days.js';

/** ensure_partition calls (or days of DDL) per transaction while growing. */
export const GROW_COMMIT_EVERY = 250;

/** Placeholders of a day in the statement templates run by bench.each_day. */
const TEMPLATE_DAY: Day = { key: '@K@', suffix: '@S@', lower: '@L@', upper: '@U@' };

export const GROW_SQL = `
CREATE SCHEMA bench;
CREATE PROCEDURE bench.ensure_days(p_newest date, p_oldest date, p_every integer)
LANGUAGE plpgsql AS $$
DECLARE
  d date := p_newest;
  n integer := 0;
BEGIN
  WHILE d >= p_oldest LOOP
    PERFORM parting.ensure_partition('tweet', to_char(d, 'YYYY-MM-DD'));
    d := d - 1;
    n := n + 1;
    IF n % p_every = 0 THEN
      COMMIT;
    END IF;
  END LOOP;
END $$;
-- Runs the statement templates for each day from p_newest back to p_oldest, with the day's
-- key, suffix and bounds put in.
CREATE PROCEDURE bench.each_day(p_statements text[], p_newest date, p_oldest date, p_every integer)
LANGUAGE plpgsql AS $$
DECLARE
  d date := p_newest;
  n integer := 0;
  s text;
BEGIN
  WHILE d >= p_oldest LOOP
    FOREACH s IN ARRAY p_statements LOOP
      EXECUTE replace(replace(replace(replace(s,
                '@K@', to_char(d, 'YYYY-MM-DD')), '@S@', to_char(d, 'YYYY_MM_DD')),
                '@L@', to_char(d, 'YYYY-MM-DD') || ' 00:00:00+00'), '@U@', to_char(d + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
    END LOOP;
    d := d - 1;
    n := n + 1;
    IF n % p_every = 0 THEN
      COMMIT;
    END IF;
  END LOOP;
END $$`;

/** pgpart: ensure_partition for every day from `newest` days after today back to `oldest` (offsets, ≤ 0). */
export async function growByPgpart(c: pg.Client, newest: number, oldest: number): Promise<void> {
  await c.query('CALL bench.ensure_days($1, $2, $3)', [dayAt(newest).key, dayAt(oldest).key, GROW_COMMIT_EVERY]);
}

/** The floor (see the header), for every day from `newest` days after today back to `oldest`. */
export async function growByFloor(url: string, newest: number, oldest: number, seq: Sequences | null): Promise<void> {
  const [a, b] = [await connect(url), await connect(url)];
  try {
    const each = (c: pg.Client, statements: string[], from: number, to: number): Promise<unknown> =>
      c.query('CALL bench.each_day($1, $2, $3, $4)', [statements, dayAt(from).key, dayAt(to).key, GROW_COMMIT_EVERY]);
    // The unattached tables: O(1) each, half of the days in each session.
    const tables = bareFamilyTables(TEMPLATE_DAY, seq);
    const mid = newest - Math.floor((newest - oldest) / 2);
    await Promise.all([each(a, tables, newest, mid), mid - 1 >= oldest ? each(b, tables, mid - 1, oldest) : Promise.resolve()]);
    // The attaches: tweet's in one session, star's in the other.
    const attach = bareFamilyAttach(TEMPLATE_DAY);
    await Promise.all([each(a, [attach.tweet], newest, oldest), each(b, [attach.star], newest, oldest)]);
    // What ensure_partition logs for each table it makes.
    await a.query(
      `INSERT INTO parting.history (model, partition, action, detail, duration)
       SELECT m.model, m.model || '_' || to_char(g.d, 'YYYY_MM_DD'), 'created',
              jsonb_build_object('suffix', to_char(g.d, 'YYYY_MM_DD'), 'lower', to_char(g.d, 'YYYY-MM-DD') || ' 00:00:00+00',
                                 'upper', to_char(g.d + 1, 'YYYY-MM-DD') || ' 00:00:00+00', 'default', false, 'lock_tries', 1),
              interval '0'
         FROM (SELECT $1::date - i AS d FROM generate_series(0, $1::date - $2::date) i) g
        CROSS JOIN (VALUES (1, 'tweet'), (2, 'star')) AS m(o, model)
        ORDER BY g.d DESC, m.o`,
      [dayAt(newest).key, dayAt(oldest).key],
    );
  } finally {
    await Promise.all([a, b].map((c) => c.end().catch(() => {})));
  }
}

/**
 * A table's shape, with its day taken out: columns (type, NOT NULL, default, local or
 * inherited), constraints and indexes (names and definitions), owner, grants, storage and
 * tablespace. Two partitions of the same parent made the same way have the same shape.
 */
const SHAPE_SQL = `
SELECT string_agg(x, E'\\n' ORDER BY x) AS shape FROM (
  SELECT format('column %s %s notnull=%s local=%s inherited=%s default=%s', a.attname, format_type(a.atttypid, a.atttypmod),
                a.attnotnull, a.attislocal, a.attinhcount, pg_get_expr(d.adbin, d.adrelid)) AS x
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT format('constraint %s %s local=%s validated=%s', k.conname, pg_get_constraintdef(k.oid), k.conislocal, k.convalidated)
    FROM pg_constraint k WHERE k.conrelid = $1::regclass
  UNION ALL
  SELECT format('index %s', pg_get_indexdef(x.indexrelid)) FROM pg_index x WHERE x.indrelid = $1::regclass
  UNION ALL
  SELECT format('table owner=%s acl=%s persistence=%s options=%s tablespace=%s bound=%s', r.relowner::regrole, r.relacl,
                r.relpersistence, r.reloptions, r.reltablespace, pg_get_expr(r.relpartbound, r.oid))
    FROM pg_class r WHERE r.oid = $1::regclass
) s`;

async function shape(c: pg.Client, table: string, d: Day): Promise<string> {
  const r = await c.query<{ shape: string }>(SHAPE_SQL, [`public.${table}_${d.suffix}`]);
  // The bounds as PostgreSQL prints them in the session's zone (UTC), then the suffix.
  return (r.rows[0]?.shape ?? '').split(d.lower).join('@L@').split(d.upper).join('@U@').split(d.suffix).join('@S@');
}

/** Throws unless the tables of `floor`'s day have the shape of `pgpart`'s day's. */
export async function assertSameShape(c: pg.Client, pgpart: Day, floor: Day): Promise<void> {
  await c.query(`SET TimeZone = 'UTC'`);
  for (const table of ['tweet', 'star']) {
    const want = await shape(c, table, pgpart);
    const got = await shape(c, table, floor);
    if (want !== got) {
      throw new Error(`${table}_${floor.suffix} (the floor's) differs from ${table}_${pgpart.suffix} (ensure_partition's):\n--- pgpart\n${want}\n--- floor\n${got}`);
    }
  }
}
