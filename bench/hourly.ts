// Part 16: every everyday operation at up to 50,000 partitions. Five hourly families, each a
// root (ev1..ev5, with an index of the config) and a dependent in lockstep (dep1..dep5), are
// grown in stages (quick: 1,000 → 2,000 partitions in all; full: 1,000 → 10,000 → 50,000)
// and measured at each, each figure next to a floor measured in the same run: a no-op
// run_maintenance warm and on a new connection (cold), with the floor of a run (bench/floorrun.ts)
// warm and cold over the same families, installs (psql -f: the first after
// the growth, unchanged ones, one after an hour's premake), `pgpart plan`'s query on a
// new connection (unchanged installs and plans: medians of 3), adding a column by install (floor: a bare ALTER TABLE … ADD COLUMN on the
// ten parents), partitions(), check(), partition_for, and
// one family made by ensure_partition (floor: the same tables by hand, LIKE + CHECK +
// indexes + FK + ATTACH).
//
// Growing: install.sql makes the current hour and 2 ahead with pgpart; every older hour is
// then a copy of the current one (bench/attach.ts: its DDL as the catalog prints it, with the
// hour's suffix and bounds put in), made the fastest safe way we found: per parent, each hour
// created (LIKE, id default, keys, indexes) and attached at once, 100 hours a transaction, two
// sessions on different parents; then the bound CHECKs and the foreign keys added to every
// new partition; then the `created` history rows pgpart logs, added in one INSERT. Each
// stage checks that the oldest copies are catalog-identical to pgpart's hour (columns,
// defaults, constraints, indexes, triggers, owner, grants, bounds) and that check() finds no
// problem, so pgpart's calls are measured on the database pgpart would have left.
//
// Why so: every ATTACH (as every CREATE TABLE … PARTITION OF) rebuilds its parent's
// partition descriptor, reading every bound (~5 µs a partition here), and reads all of
// pg_constraint sequentially for foreign keys referencing the parent (~0.2 µs a row, every
// table's constraints): growing is O(N²) by PostgreSQL, whoever makes the partitions. The
// constraints added after the ATTACHes keep pg_constraint at one row per partition (its
// primary key) while attaching, instead of two or three. CREATE TABLE … PARTITION OF does
// the same two reads per partition, so it would not be cheaper; see BENCHMARKS.md, part 16,
// for the measurements.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { ConfigInput } from '../src/config/schema.js';
import { validate } from '../src/model/validate.js';
import { plan } from '../src/plan/plan.js';
import { freshDatabase, psqlFile } from '../test/harness/db.js';
import { writeInstallSql } from '../test/harness/install.js';
import { CLONE_SQL, fill, growClones, logCreated, sameShape, tableTemplate, type TableTemplate } from './attach.js';
import { connect, timed, timedRuns } from './conn.js';
import { FLOOR_RUN_SQL, floorMisses, floorRunCall } from './floorrun.js';
import { isMain, runAlone, size } from './mode.js';
import { ms, percentile, ratio, table } from './stats.js';

/** Sizes measured (partitions of the ten parents); BENCH_HOURLY_SIZES=1000,10000 for others. */
export const HOURLY_SIZES: readonly number[] = process.env.BENCH_HOURLY_SIZES
  ? process.env.BENCH_HOURLY_SIZES.split(',').map((x) => Number(x.trim()))
  : size([1000, 10_000, 50_000], [1000, 2000]);
const FAMILIES = 5;
const WARM_CALLS = size(5, 3);
const COLD_CALLS = size(3, 2);
const FOR_CALLS = size(20, 10);
const MADE = size(3, 2);
const UNCHANGED_RUNS = 3;

type Models = NonNullable<ConfigInput['models']>;

/** The config: five hourly roots with an index, each with a dependent; `extra` columns added to every root. */
export function hourlyConfig(extra: string[] = []): ConfigInput {
  const models: Models = {};
  for (let i = 1; i <= FAMILIES; i++) {
    models[`ev${i}`] = {
      columns: {
        id: 'bigint generated always as identity',
        payload: 'text',
        at: 'timestamptz not null default now()',
        ...Object.fromEntries(extra.map((c) => [c, 'text'])),
      },
      primaryKey: ['id'],
      indexes: [{ columns: ['payload'] }],
      partition: { by: 'range', column: 'at', interval: '1 hour', premake: 2 },
    };
    models[`dep${i}`] = {
      columns: { id: 'bigint generated always as identity', note: 'text' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'ev_id', references: `ev${i}` },
    };
  }
  return { schema: 'public', timezone: 'UTC', models };
}

const PARENTS = Array.from({ length: FAMILIES }, (_, i) => [`ev${i + 1}`, `dep${i + 1}`]).flat();
/** The floor of a no-op run over the five families. */
const FLOOR_CALL = floorRunCall(Array.from({ length: FAMILIES }, (_, i) => `ev${i + 1}`), PARENTS, 'hour', 2);

/** The plain catalog query: every partition of the ten parents with bounds, tablespace and size. */
const BARE_LISTING = `
SELECT i.inhparent::regclass AS parent, c.oid::regclass AS partition, pg_get_expr(c.relpartbound, c.oid) AS bound,
       coalesce(t.spcname, 'pg_default') AS tablespace, pg_total_relation_size(c.oid) AS total_bytes
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE i.inhparent = ANY (ARRAY[${PARENTS.map((p) => `'public.${p}'::regclass`).join(', ')}])
 ORDER BY 1, 3`;

const HOUR_MS = 3_600_000;
/** The hour the run started in: every offset counts from it, so an hour passing mid-run shifts nothing (maintenance makes the new hour before the no-op runs are timed). */
const BASE = Date.now();
const pad = (n: number): string => String(n).padStart(2, '0');
/** The hour `offset` hours after the current UTC hour: suffix and bounds as pgpart writes them. */
function hourAt(offset: number, now = BASE): { key: string; suffix: string; lower: string; upper: string } {
  const t = Math.floor(now / HOUR_MS) * HOUR_MS + offset * HOUR_MS;
  const f = (x: number): string => {
    const d = new Date(x);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:00:00+00`;
  };
  const d = new Date(t);
  return {
    key: f(t),
    suffix: `${d.getUTCFullYear()}_${pad(d.getUTCMonth() + 1)}_${pad(d.getUTCDate())}_${pad(d.getUTCHours())}00`,
    lower: f(t),
    upper: f(t + HOUR_MS),
  };
}

interface Stage {
  size: number;
  partitions: number;
  growS: number;
  attachS: number;
  lateS: number;
  noopWarm: number[];
  noopCold: number[];
  floorWarm: number[];
  floorCold: number[];
  bare: number[];
  firstInstall: number;
  install: number[];
  premadeInstall: number;
  planCold: number[];
  addColumn: number;
  alterFloor: number;
  partitionsCall: number[];
  check: number[];
  checkProblems: string[];
  partitionFor: number[];
  ensure: number[];
  floorFamily: number[];
}

/** A new connection's one statement, client ms. */
async function coldCall(url: string, sql: string, params: unknown[] = []): Promise<{ ms: number; rows: number }> {
  const c = await connect(url);
  try {
    const t0 = performance.now();
    const r = await c.query(sql, params);
    return { ms: performance.now() - t0, rows: r.rowCount ?? 0 };
  } finally {
    await c.end().catch(() => {});
  }
}

export async function partHourly(log: (msg: string) => void): Promise<string> {
  const db = await freshDatabase('bench_hourly');
  const c = await connect(db.url);
  const stages: Stage[] = [];
  let extra: string[] = [];
  try {
    const installOf = async (config: ConfigInput): Promise<{ ms: number; notices: number }> => {
      const file = writeInstallSql(config);
      const t0 = performance.now();
      const r = await psqlFile(db.url, file);
      const elapsed = performance.now() - t0;
      if (r.code !== 0) throw new Error(`install failed:\n${r.stderr}`);
      return { ms: elapsed, notices: (r.stderr.match(/NOTICE: {2}pgpart: /g) ?? []).length };
    };
    await installOf(hourlyConfig());
    await c.query(CLONE_SQL);
    await c.query(FLOOR_RUN_SQL);
    const template = hourAt(0);
    // Per family: the root's and the dependent's partition templates, from the hour pgpart made.
    const families: TableTemplate[][] = [];
    for (let i = 1; i <= FAMILIES; i++) {
      const fam = [`ev${i}`, `dep${i}`];
      families.push([await tableTemplate(c, fam[0]!, fam, template), await tableTemplate(c, fam[1]!, fam, template)]);
    }
    // One family by hand as pgpart makes it (the floor of ensure_partition): both tables, then the ATTACHes.
    const byHand = (f: number): string[] => [...families[f]!.flatMap((t) => t.make), ...families[f]!.map((t) => t.attach)];
    // Hours made so far, counting back from the current one (install.sql made 0 and 2 ahead).
    let oldest = 0;
    let newest = 2;

    for (const target of HOURLY_SIZES) {
      const perParent = target / (2 * FAMILIES);
      const have = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'public.ev1'::regclass`)).rows[0]!.n;
      const hours = Math.max(0, perParent - have);
      const t0 = performance.now();
      let grown = { attachS: 0, lateS: 0 };
      if (hours > 0) {
        const slots = Array.from({ length: hours }, (_, n) => hourAt(oldest - 1 - n));
        grown = await growClones(db.url, families.flat(), slots, log);
        await logCreated(c, PARENTS, template, slots);
        oldest -= hours;
        for (const f of [0, FAMILIES - 1]) {
          for (const t of families[f]!) await sameShape(c, t.parent, [`ev${f + 1}`, `dep${f + 1}`], template, hourAt(oldest));
        }
      }
      const growS = (performance.now() - t0) / 1000;
      const partitions = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = ANY ($1::regclass[])`,
        [PARENTS.map((p) => `public.${p}`)])).rows[0]!.n;
      log(`  ${partitions} partitions (${hours} hours per parent copied in ${growS.toFixed(1)} s: ${grown.attachS.toFixed(1)} s create + ATTACH, ${grown.lateS.toFixed(1)} s CHECKs and FKs); measuring`);

      await c.query(BARE_LISTING);
      await c.query('CALL parting.run_maintenance()');
      const mark = Number((await c.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM parting.history')).rows[0]!.id);
      const noopWarm = await timedRuns(c, 'CALL parting.run_maintenance()', WARM_CALLS);
      const noopCold: number[] = [];
      for (let i = 0; i < COLD_CALLS; i++) noopCold.push((await coldCall(db.url, 'CALL parting.run_maintenance()')).ms);
      const did = await c.query(`SELECT action FROM parting.history WHERE id > $1 AND action <> 'maintained'`, [mark]);
      if (did.rowCount) throw new Error(`size ${target}: run_maintenance was not a no-op (${did.rows.map((r) => r.action).join(', ')})`);
      await c.query(FLOOR_CALL);
      const floorWarm = await timedRuns(c, FLOOR_CALL, WARM_CALLS);
      const floorCold: number[] = [];
      for (let i = 0; i < COLD_CALLS; i++) floorCold.push((await coldCall(db.url, FLOOR_CALL)).ms);
      if ((await floorMisses(c)) !== 0) throw new Error(`size ${target}: the floor of a run missed a partition`);
      const bare = await timedRuns(c, BARE_LISTING, WARM_CALLS);

      const config = hourlyConfig(extra);
      // The first install after the growth: every table grown since is new to it, compared once and recorded.
      const firstInst = await installOf(config);
      if (firstInst.notices !== 0) throw new Error(`size ${target}: the first install after the growth made ${firstInst.notices} change(s)`);
      // Unchanged: the config and the tables as the last install left them (a median, as the
      // plan's: single runs of a few hundred ms move with whatever else the machine does).
      const install: number[] = [];
      for (let i = 0; i < UNCHANGED_RUNS; i++) {
        const inst = await installOf(config);
        if (inst.notices !== 0) throw new Error(`size ${target}: the unchanged install made ${inst.notices} change(s)`);
        install.push(inst.ms);
      }
      const desired = JSON.stringify(plan(validate(config)).desired);
      const planCold: number[] = [];
      for (let i = 0; i < UNCHANGED_RUNS; i++) {
        const planned = await coldCall(db.url, 'SELECT * FROM parting.plan($1::jsonb)', [desired]);
        if (planned.rows !== 0) throw new Error(`size ${target}: the plan of an unchanged config listed ${planned.rows} change(s)`);
        planCold.push(planned.ms);
      }
      // An hour's premake since the last install (one new family per root, above the newest), then the install.
      newest += 1;
      for (let f = 1; f <= FAMILIES; f++) await c.query(`SELECT parting.ensure_partition('ev${f}', '${hourAt(newest).key}')`);
      const premadeInst = await installOf(config);
      if (premadeInst.notices !== 0) throw new Error(`size ${target}: the install after a premake made ${premadeInst.notices} change(s)`);

      // Adding a column: pgpart's install against a bare ALTER TABLE on the ten parents (rolled back).
      await c.query('BEGIN');
      const floorT0 = performance.now();
      for (const p of PARENTS) await c.query(`ALTER TABLE public.${p} ADD COLUMN floor_probe text`);
      const alterFloor = performance.now() - floorT0;
      await c.query('ROLLBACK');
      extra = [...extra, `note_${target}`];
      const added = await installOf(hourlyConfig(extra));
      if (added.notices < FAMILIES) throw new Error(`size ${target}: adding a column made ${added.notices} change(s)`);

      const partitionsCall = await timedRuns(c, 'SELECT * FROM parting.partitions()', 2);
      const check: number[] = [];
      let checkProblems: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await timed(c, 'SELECT * FROM parting.check()');
        check.push(r.ms);
        checkProblems = r.rows.map((p) => `${String(p.problem)} ${String(p.partition ?? '')}: ${String(p.detail)}`);
      }
      if (checkProblems.length) throw new Error(`size ${target}: check() found ${checkProblems.slice(0, 3).join('; ')}`);
      const partitionFor = await timedRuns(c, `SELECT parting.partition_for('ev1', now())`, FOR_CALLS);

      // One family made, below the oldest: ensure_partition on each root, and the clone floor, taking turns.
      const ensure: number[] = [];
      const floorFamily: number[] = [];
      for (let i = 0; i < MADE; i++) {
        const h = hourAt(--oldest);
        const e = await timed(c, `SELECT parting.ensure_partition('ev1', '${h.key}')`);
        ensure.push(e.ms);
        const f = hourAt(--oldest);
        const t1 = performance.now();
        await c.query(['BEGIN', ...byHand(0).map((x) => fill(x, f)), 'COMMIT'].join(';\n'));
        floorFamily.push(performance.now() - t1);
        // The other families get both hours too (untimed), so no family has a gap.
        for (const x of [h, f]) {
          for (let g = 1; g < FAMILIES; g++) await c.query(['BEGIN', ...byHand(g).map((y) => fill(y, x)), 'COMMIT'].join(';\n'));
        }
      }
      stages.push({
        size: target, partitions, growS, attachS: grown.attachS, lateS: grown.lateS, noopWarm, noopCold, floorWarm, floorCold, bare, firstInstall: firstInst.ms, install,
        premadeInstall: premadeInst.ms, planCold, addColumn: added.ms, alterFloor, partitionsCall, check, checkProblems, partitionFor, ensure, floorFamily,
      });
    }
  } finally {
    await c.end().catch(() => {});
    // BENCH_HOURLY_KEEP=1 leaves the database for profiling by hand.
    if (process.env.BENCH_HOURLY_KEEP === '1') log(`  kept ${db.url}`);
    else await db.drop();
  }
  return formatHourly(stages);
}

const med = (xs: readonly number[]): number => percentile(xs, 50);

function formatHourly(stages: Stage[]): string {
  const first = stages[0];
  if (!first) return '(no sizes measured)';
  const n = (x: number): string => x.toLocaleString('en');
  type Row = { label: string; pgpart: (s: Stage) => number; floor: (s: Stage) => number; floorName: string };
  const rows: Row[] = [
    { label: `no-op \`CALL parting.run_maintenance()\`, warm (median of ${WARM_CALLS})`, pgpart: (s) => med(s.noopWarm), floor: (s) => med(s.bare), floorName: 'catalog listing' },
    { label: `the same, first call on a new connection (median of ${COLD_CALLS})`, pgpart: (s) => med(s.noopCold), floor: (s) => med(s.noopWarm), floorName: 'warm no-op' },
    { label: 'the same, first call on a new connection', pgpart: (s) => med(s.noopCold), floor: (s) => med(s.floorCold), floorName: 'the floor of a run (bench/floorrun.ts), new connection' },
    { label: `the floor of a run itself, new connection (median of ${COLD_CALLS})`, pgpart: (s) => med(s.floorCold), floor: (s) => med(s.floorWarm), floorName: `its warm call (median of ${WARM_CALLS})` },
    { label: `unchanged install (\`psql -f install.sql\`, wall; config and tables as the last install left them; median of ${UNCHANGED_RUNS})`, pgpart: (s) => med(s.install), floor: () => med(first.install), floorName: `the same at ${n(first.size)}` },
    { label: 'install after an hour\'s premake (one new family per root since the last install)', pgpart: (s) => s.premadeInstall, floor: () => first.premadeInstall, floorName: `the same at ${n(first.size)}` },
    { label: 'first install after the growth (every table grown since compared and recorded)', pgpart: (s) => s.firstInstall, floor: () => first.firstInstall, floorName: `the same at ${n(first.size)}` },
    { label: `\`parting.plan(<desired>)\` on a new connection (what \`pgpart plan\` runs; median of ${UNCHANGED_RUNS})`, pgpart: (s) => med(s.planCold), floor: () => med(first.planCold), floorName: `the same at ${n(first.size)}` },
    { label: 'add a column to the five roots (install, wall)', pgpart: (s) => s.addColumn, floor: (s) => s.alterFloor, floorName: 'bare ALTER TABLE … ADD COLUMN on the 10 parents' },
    { label: '`SELECT * FROM parting.partitions()` (median of 2)', pgpart: (s) => med(s.partitionsCall), floor: (s) => med(s.bare), floorName: 'catalog listing' },
    { label: '`SELECT * FROM parting.check()` (median of 2)', pgpart: (s) => med(s.check), floor: (s) => med(s.bare), floorName: 'catalog listing' },
    { label: `\`partition_for('ev1', now())\` (median of ${FOR_CALLS})`, pgpart: (s) => med(s.partitionFor), floor: (s) => med(s.bare), floorName: 'catalog listing' },
    { label: `one family (ev1 + dep1): \`ensure_partition\` (median of ${MADE})`, pgpart: (s) => med(s.ensure), floor: (s) => med(s.floorFamily), floorName: 'LIKE + CHECK + indexes + FK + ATTACH by hand' },
  ];
  const header = ['measurement', 'floor', ...stages.flatMap((s) => [`${n(s.size)}: pgpart ms`, `${n(s.size)}: floor ms`, `${n(s.size)}: ÷ floor`])];
  const body = rows.map((r) => [r.label, r.floorName, ...stages.flatMap((s) => [ms(r.pgpart(s)), ms(r.floor(s)), ratio(r.pgpart(s), r.floor(s))])]);
  return [
    table(header, body),
    '',
    `- Five hourly families (ev1..ev5, each with an index of the config, and dep1..dep5 in lockstep); sizes are partitions of the ten parents together.`,
    '- Grown by copies of a pgpart-made hour (bench/attach.ts: create + ATTACH per parent on two sessions, then the CHECKs and foreign keys, then history rows), checked catalog-identical to pgpart\'s and with check() clean at every size:',
    ...stages.map((s) => `  - ${n(s.partitions)} partitions: ${s.growS.toFixed(0)} s to grow to it (${s.attachS.toFixed(0)} s create + ATTACH, ${s.lateS.toFixed(0)} s CHECKs and foreign keys)`),
    '- The floor of a run (bench/floorrun.ts): one PL/pgSQL procedure that takes a guard row, finds the current and premade hours of the ten parents attached, logs a row per family and lets go of the guard (three commits); its row is the floor\'s own cold ÷ warm, what a new connection costs whoever writes the run.',
    '- Every install is checked to make no change (no `pgpart:` NOTICE); the no-op runs to log nothing but `maintained`. The plan runs right after the unchanged install.',
  ].join('\n');
}

if (isMain(import.meta.url)) {
  await runAlone('Every operation at up to 50,000 partitions (five hourly families of a root and a dependent)',
    () => partHourly((m) => void process.stderr.write(`[bench] ${m}\n`)));
}
