// Part 7: a maintenance run with nothing to do, as the number of partitioned families grows.
// pgpart: 1, 10 or 50 root models (t01 …), each with a dependent (s01 … in lockstep), 15
// monthly partitions each (12 months back, the current one, 2 ahead: premake 2). pg_partman
// 4.7: as many monthly parents (p01 …, tweet's columns) made by create_parent over the same 15
// months with the same premake. Nothing is due: no retention, every premade partition exists.
// Timed: CALL parting.run_maintenance() against CALL partman.run_maintenance_proc(), warm (one
// session, call after call) and cold (each call on a new connection; the connecting untimed).
// In pgpart's database, the same for the floor of a run (bench/floorrun.ts: the least any run
// must do, one PL/pgSQL procedure over the same families): what a new connection costs
// whoever writes the run.

import type pg from 'pg';
import type { ConfigInput } from '../src/config/schema.js';
import { freshDatabase, type FreshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { connect, timed, timedRuns } from './conn.js';
import { FLOOR_RUN_SQL, floorMisses, floorRunCall } from './floorrun.js';
import { size } from './mode.js';
import { installPartman, partmanMonthly, tweetLikeDdl } from './partman.js';
import { months, starModel, tweetColumns } from './schema.js';
import { ms, percentile, ratio, table } from './stats.js';

export const FAMILY_COUNTS: readonly number[] = size([1, 10, 50], [1, 10]);
const BACK = 12;
const PREMAKE = 2;
const WARM_CALLS = size(5, 3);
const COLD_CALLS = size(5, 3);

const name = (prefix: string, i: number): string => `${prefix}${String(i + 1).padStart(2, '0')}`;

function familiesConfig(n: number): ConfigInput {
  const models: NonNullable<ConfigInput['models']> = {};
  for (let i = 0; i < n; i++) {
    models[name('t', i)] = {
      columns: tweetColumns,
      primaryKey: ['id'],
      partition: { by: 'range', column: 'created_at', interval: '1 month', premake: PREMAKE, initial: true },
    };
    models[name('s', i)] = starModel(name('t', i));
  }
  return { schema: 'public', timezone: 'UTC', models };
}

async function count(c: pg.Client, sql: string): Promise<number> {
  return (await c.query<{ n: number }>(sql)).rows[0]?.n ?? -1;
}

/** Partitions attached to the partitioned tables whose names start with one of `prefixes`. */
const attachedSql = (...prefixes: string[]): string =>
  `SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relkind = 'p' AND p.relnamespace = 'public'::regnamespace AND left(p.relname, 1) IN (${prefixes.map((x) => `'${x}'`).join(', ')})`;

async function setupPgpart(n: number): Promise<FreshDatabase> {
  const db = await freshDatabase(`bench_noop_pgpart_${n}`);
  try {
    await install(db.url, familiesConfig(n));
    for (let i = 0; i < n; i++) {
      await db.client.query(
        `SELECT count(*) FROM generate_series(1, ${BACK}) g,
                LATERAL parting.ensure_partition($1, to_char(date_trunc('month', now() AT TIME ZONE 'UTC') - g * interval '1 month', 'YYYY-MM'))`,
        [name('t', i)],
      );
    }
    const want = 2 * n * (BACK + 1 + PREMAKE);
    const got = await count(db.client, attachedSql('t', 's'));
    if (got !== want) throw new Error(`pgpart ${n} families: ${got} partitions, expected ${want}`);
    await db.client.query(FLOOR_RUN_SQL);
  } catch (err) {
    await db.drop();
    throw err;
  }
  return db;
}

async function setupPartman(n: number): Promise<FreshDatabase> {
  const db = await freshDatabase(`bench_noop_partman_${n}`);
  try {
    await installPartman(db.client);
    const first = months(-BACK, 1)[0]!;
    for (let i = 0; i < n; i++) {
      await db.client.query(tweetLikeDdl(name('p', i)));
      await partmanMonthly(db.client, name('p', i), first, PREMAKE);
    }
    // 15 months and the default partition per parent.
    const want = n * (BACK + 1 + PREMAKE + 1);
    const got = await count(db.client, attachedSql('p'));
    if (got !== want) throw new Error(`pg_partman ${n} parents: ${got} partitions, expected ${want}`);
  } catch (err) {
    await db.drop();
    throw err;
  }
  return db;
}

interface Timing {
  warm: number[];
  cold: number[];
}

/** Warm-up, then the warm calls on one session, then each cold call on a new connection. */
async function timeCalls(db: FreshDatabase, call: string, unchanged: () => Promise<number>): Promise<Timing> {
  const c = await connect(db.url);
  try {
    await c.query(call);
    const before = await unchanged();
    const warm = await timedRuns(c, call, WARM_CALLS);
    const cold: number[] = [];
    for (let i = 0; i < COLD_CALLS; i++) {
      const fresh = await connect(db.url);
      try {
        cold.push((await timed(fresh, call)).ms);
      } finally {
        await fresh.end().catch(() => {});
      }
    }
    if ((await unchanged()) !== before) throw new Error(`${call} was not a no-op`);
    return { warm, cold };
  } finally {
    await c.end().catch(() => {});
  }
}

export type Part7 = { n: number; pgpart: Timing; partman: Timing; floor: Timing }[];

/** The floor's CALL over the same families as pgpart's `n`. */
function floorCall(n: number): string {
  const roots = Array.from({ length: n }, (_, i) => name('t', i));
  return floorRunCall(roots, [...roots, ...roots.map((_, i) => name('s', i))], 'month', PREMAKE);
}

export async function part7(log: (msg: string) => void): Promise<Part7> {
  const out: Part7 = [];
  for (const [k, n] of FAMILY_COUNTS.entries()) {
    let floor: Timing | undefined;
    const run = async (which: 'pgpart' | 'partman'): Promise<Timing> => {
      const db = which === 'pgpart' ? await setupPgpart(n) : await setupPartman(n);
      try {
        if (which === 'partman') return await timeCalls(db, 'CALL partman.run_maintenance_proc()', () => count(db.client, attachedSql('p')));
        const timing = await timeCalls(db, 'CALL parting.run_maintenance()', () =>
          count(db.client, `SELECT count(*)::int AS n FROM parting.history WHERE action <> 'maintained'`));
        floor = await timeCalls(db, floorCall(n), () => floorMisses(db.client));
        return timing;
      } finally {
        await db.drop();
      }
    };
    // Which goes first alternates with the size.
    let pgpart: Timing;
    let partman: Timing;
    if (k % 2 === 0) {
      pgpart = await run('pgpart');
      partman = await run('partman');
    } else {
      partman = await run('partman');
      pgpart = await run('pgpart');
    }
    if (!floor) throw new Error(`${n} families: the floor was not measured`);
    out.push({ n, pgpart, partman, floor });
    log(`  ${n} famil${n === 1 ? 'y' : 'ies'} done`);
  }
  return out;
}

export function formatPart7(p: Part7): string {
  const med = (xs: readonly number[]): number => percentile(xs, 50);
  const one = p[0];
  if (!one) return '(nothing measured)';
  const header = [
    'families (pgpart) / parents (pg_partman)', 'pgpart warm ms', 'pg_partman warm ms', 'pg_partman ÷ pgpart, warm',
    'pgpart cold ms', 'pg_partman cold ms', 'pg_partman ÷ pgpart, cold',
    `pgpart warm ÷ ${one.n}`, `pg_partman warm ÷ ${one.n}`, `pgpart cold ÷ ${one.n}`, `pg_partman cold ÷ ${one.n}`,
  ];
  const rows = p.map((r) => [
    String(r.n),
    ms(med(r.pgpart.warm)), ms(med(r.partman.warm)), ratio(med(r.partman.warm), med(r.pgpart.warm)),
    ms(med(r.pgpart.cold)), ms(med(r.partman.cold)), ratio(med(r.partman.cold), med(r.pgpart.cold)),
    ratio(med(r.pgpart.warm), med(one.pgpart.warm)), ratio(med(r.partman.warm), med(one.partman.warm)),
    ratio(med(r.pgpart.cold), med(one.pgpart.cold)), ratio(med(r.partman.cold), med(one.partman.cold)),
  ]);
  const floorHeader = [
    'families', 'floor warm ms', 'floor cold ms', 'floor cold ÷ warm', 'pgpart cold ÷ warm',
    'pgpart cold ÷ floor cold', 'floor cold − warm ms', 'pgpart cold − warm ms',
  ];
  const floorRows = p.map((r) => [
    String(r.n), ms(med(r.floor.warm)), ms(med(r.floor.cold)), ratio(med(r.floor.cold), med(r.floor.warm)),
    ratio(med(r.pgpart.cold), med(r.pgpart.warm)), ratio(med(r.pgpart.cold), med(r.floor.cold)),
    ms(med(r.floor.cold) - med(r.floor.warm)), ms(med(r.pgpart.cold) - med(r.pgpart.warm)),
  ]);
  return [
    table(header, rows),
    '',
    'The floor of a run (bench/floorrun.ts: one PL/pgSQL procedure that takes a guard row, finds each family\'s current and',
    'premade partitions attached, logs a row per family and lets go of the guard, three commits), in pgpart\'s database:',
    '',
    table(floorHeader, floorRows),
    '',
    `- pgpart: N root models, each with a dependent in lockstep (2 tables per family), ${BACK + 1 + PREMAKE} monthly partitions each (${BACK} back, the`,
    `  current one, ${PREMAKE} ahead); pg_partman 4.7: N parents with tweet's columns and no dependent (it cannot make the per-partition FK),`,
    `  create_parent over the same ${BACK + 1 + PREMAKE} months, premake ${PREMAKE}, plus its default partition. So pgpart's run looks at twice the tables.`,
    `- Warm: one untimed call, then ${WARM_CALLS} calls on the same session (median). Cold: ${COLD_CALLS} calls, each on a new connection`,
    '  (median; the connection setup is not timed, the session\'s caches are empty). Each run is checked to change nothing.',
    '- Per call, ms (warm | cold):',
    ...p.map((r) => `  ${r.n}: pgpart ${r.pgpart.warm.map(ms).join(', ')} | ${r.pgpart.cold.map(ms).join(', ')}; pg_partman ${r.partman.warm.map(ms).join(', ')} | ${r.partman.cold.map(ms).join(', ')}; floor ${r.floor.warm.map(ms).join(', ')} | ${r.floor.cold.map(ms).join(', ')}`),
  ].join('\n');
}
