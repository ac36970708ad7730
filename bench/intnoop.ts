// Part 19: no-op maintenance of integer-range models as their partitions grow. A root keyed by
// a bigint id (`iroot`, 1,000 ids a partition, premake 2) and a dependent in lockstep (`idep`,
// partitioned by its root_id), grown to 100 and 10,000 partitions of the two parents together
// (quick: 100 and 2,000); at each size a no-op `CALL parting.run_maintenance()` warm and on a
// new connection (cold), and the ratio of the largest size to 100 (the goal: at most 2×). For
// scale, `SELECT max(id) FROM iroot` on the same tables: the Append over every partition the
// current key used to be read with.
//
// Integer keys have no clock: the current partition is the one holding the largest id, so a
// root row and its dependent sit in the third partition from the top, and the two above it are
// the premade ones; the run has nothing to do (checked: it logs nothing but `maintained`).
// Growing: pgpart makes the bottom partition of each parent (ensure_partition at the first
// id), every other is a copy of it made upward, as ids grow (bench/attach.ts: the fastest
// safe way, checked catalog-identical, check() clean), so the newest partition is the top one,
// as it is when pgpart makes them over time. The ids start at 1,000,000,000, so no partition's
// bounds are digits of another's.

import { performance } from 'node:perf_hooks';
import type { ConfigInput } from '../src/config/schema.js';
import { freshDatabase, psqlFile } from '../test/harness/db.js';
import { writeInstallSql } from '../test/harness/install.js';
import { CLONE_SQL, growClones, logCreated, sameShape, tableTemplate, type Slot } from './attach.js';
import { connect, timedRuns } from './conn.js';
import { isMain, runAlone, size } from './mode.js';
import { ms, percentile, ratio, table } from './stats.js';

/** Sizes measured (partitions of the two parents together); BENCH_INT_SIZES=100,4000 for others. */
export const INT_SIZES: readonly number[] = process.env.BENCH_INT_SIZES
  ? process.env.BENCH_INT_SIZES.split(',').map((x) => Number(x.trim()))
  : size([100, 10_000], [100, 2000]);
const WARM_CALLS = size(10, 5);
const COLD_CALLS = size(5, 3);
const WIDTH = 1000;
const FIRST = 1_000_000_000;
const FAMILY = ['iroot', 'idep'];

export const intConfig: ConfigInput = {
  schema: 'public',
  models: {
    iroot: {
      columns: { id: 'bigint not null', payload: 'text' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'id', interval: WIDTH, premake: 2, initial: false },
    },
    idep: {
      columns: { id: 'bigint generated always as identity', note: 'text' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'root_id', references: 'iroot' },
    },
  },
};

/** The i-th partition from the bottom. */
function slot(i: number): Slot {
  const lower = FIRST + i * WIDTH;
  return { suffix: String(lower), lower: String(lower), upper: String(lower + WIDTH) };
}

interface Stage {
  size: number;
  partitions: number;
  growS: number;
  warm: number[];
  cold: number[];
  naive: number[];
}

export async function partIntNoop(log: (msg: string) => void): Promise<string> {
  const db = await freshDatabase('bench_int');
  const c = await connect(db.url);
  const stages: Stage[] = [];
  try {
    const r = await psqlFile(db.url, writeInstallSql(intConfig));
    if (r.code !== 0) throw new Error(`install failed:\n${r.stderr}`);
    await c.query(CLONE_SQL);
    const bottom = slot(0);
    await c.query(`SELECT parting.ensure_partition('iroot', $1)`, [bottom.lower]);
    const templates = [await tableTemplate(c, 'iroot', FAMILY, bottom), await tableTemplate(c, 'idep', FAMILY, bottom)];
    let have = 1; // partitions per parent

    for (const target of INT_SIZES) {
      const perParent = target / 2;
      const t0 = performance.now();
      if (perParent > have) {
        const slots = Array.from({ length: perParent - have }, (_, n) => slot(have + n));
        await growClones(db.url, templates, slots, log);
        await logCreated(c, FAMILY, bottom, slots);
        have = perParent;
        for (const t of templates) await sameShape(c, t.parent, FAMILY, bottom, slot(have - 1));
      }
      // The newest ids: a root row and its dependent in the third partition from the top.
      const id = FIRST + (have - 3) * WIDTH + 1;
      await c.query(`INSERT INTO public.iroot (id, payload) VALUES ($1, 'x') ON CONFLICT DO NOTHING`, [id]);
      await c.query(`INSERT INTO public.idep (root_id, note) VALUES ($1, 'x')`, [id]);
      await c.query('ANALYZE public.iroot, public.idep');
      const growS = (performance.now() - t0) / 1000;
      const partitions = (await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent IN ('public.iroot'::regclass, 'public.idep'::regclass)`)).rows[0]!.n;
      log(`  ${partitions} integer partitions (grown in ${growS.toFixed(1)} s); measuring`);

      await c.query('CALL parting.run_maintenance()');
      const mark = Number((await c.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM parting.history')).rows[0]!.id);
      const warm = await timedRuns(c, 'CALL parting.run_maintenance()', WARM_CALLS);
      const cold: number[] = [];
      for (let i = 0; i < COLD_CALLS; i++) {
        const k = await connect(db.url);
        try {
          const t1 = performance.now();
          await k.query('CALL parting.run_maintenance()');
          cold.push(performance.now() - t1);
        } finally {
          await k.end().catch(() => {});
        }
      }
      const did = await c.query<{ action: string; partition: string | null }>(
        `SELECT action, partition FROM parting.history WHERE id > $1 AND action <> 'maintained'`, [mark]);
      if (did.rowCount) throw new Error(`size ${target}: run_maintenance was not a no-op (${did.rows.map((x) => `${x.action} ${x.partition ?? ''}`).join(', ')})`);
      const problems = await c.query<{ problem: string; detail: string }>('SELECT problem, detail FROM parting.check()');
      if (problems.rowCount) throw new Error(`size ${target}: check() found ${problems.rows.slice(0, 3).map((p) => `${p.problem}: ${p.detail}`).join('; ')}`);
      const naive = await timedRuns(c, 'SELECT max(id) FROM public.iroot', WARM_CALLS);
      stages.push({ size: target, partitions, growS, warm, cold, naive });
    }
  } finally {
    await c.end().catch(() => {});
    await db.drop();
  }
  return formatIntNoop(stages);
}

const med = (xs: readonly number[]): number => percentile(xs, 50);

function formatIntNoop(stages: Stage[]): string {
  const first = stages[0];
  const last = stages[stages.length - 1];
  if (!first || !last) return '(no sizes measured)';
  const n = (x: number): string => x.toLocaleString('en');
  const rows: [string, (s: Stage) => number][] = [
    [`no-op \`CALL parting.run_maintenance()\`, warm (median of ${WARM_CALLS})`, (s) => med(s.warm)],
    [`the same, first call on a new connection (median of ${COLD_CALLS})`, (s) => med(s.cold)],
    [`for scale: \`SELECT max(id) FROM iroot\`, warm (median of ${WARM_CALLS})`, (s) => med(s.naive)],
  ];
  const header = ['measurement', ...stages.map((s) => `${n(s.partitions)} partitions: ms`), `${n(last.partitions)} ÷ ${n(first.partitions)}`];
  const body = rows.map(([label, f]) => [label, ...stages.map((s) => ms(f(s))), ratio(f(last), f(first))]);
  return [
    table(header, body),
    '',
    '- `iroot` (bigint id, 1,000 ids a partition, premake 2) and `idep` in lockstep (partitioned by root_id); sizes are partitions of the two parents together.',
    '- The newest row in the third partition from the top, so the run has nothing to do (checked: it logs only `maintained`; check() clean at every size).',
    '- Grown upward from a partition pgpart made, by copies of it (bench/attach.ts), checked catalog-identical to it:',
    ...stages.map((s) => `  - ${n(s.partitions)} partitions: ${s.growS.toFixed(1)} s to grow to it`),
    `- Goal: the warm no-op at ${n(last.partitions)} partitions at most 2× its time at ${n(first.partitions)}.`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  await runAlone('No-op maintenance of integer-range models as their partitions grow',
    () => partIntNoop((m) => void process.stderr.write(`[bench] ${m}\n`)));
}
