// Part 6: how pgpart's everyday calls grow with the number of partitions. One database with
// the daily tweet + star family is grown in stages (100, 1,000, 10,000 partitions: half of
// them tweet's, half star's) and measured at each: a no-op run_maintenance, partitions(),
// partition_for(), check(), each against a plain catalog query listing the same partitions
// with their bounds, tablespace and size; making one more family with pgpart and with the
// hand-written floor; and planning an INSERT and a one-day SELECT on tweet.
//
// The families are made one day after the other going back from today, so the partitions stay
// contiguous up to today + premake and the no-op run has nothing to make: by ensure_partition,
// then, for the large sizes, by a faster path that leaves the same catalog (grow.ts). That
// growth is timed and reported apart from the measurements.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { freshDatabase, type FreshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { connect, timed, timedRuns } from './conn.js';
import { assertSameShape, GROW_COMMIT_EVERY, GROW_SQL, growByFloor, growByPgpart } from './grow.js';
import { bareAttachFamily, dailyFamilyConfig, dayAt, identitySequences, pgpartEnsureDay, type Sequences } from './days.js';
import { size } from './mode.js';
import { ms, percentile, ratio, table } from './stats.js';

/** Sizes measured, in partitions of the family (tweet's and star's together). */
export const SCALE_SIZES: readonly number[] = size([100, 1000, 10_000], [100, 1000]);
/** Families made by each method at each size, for the creation measurement (e). */
const CREATED = size(10, 4);
const NOOP_CALLS = size(5, 3);
/**
 * partitions() and check() read every partition and take seconds at 10,000: each is called
 * LIST_CALLS times, or twice when that would take longer than LIST_BUDGET_MS.
 */
const LIST_CALLS = size(3, 2);
const LIST_BUDGET_MS = 20_000;
const BARE_CALLS = size(5, 3);
const FOR_CALLS = size(20, 10);
const PLAN_CALLS = size(10, 5);
const COLD_CONNECTIONS = 3;
/** Up to this many families the database grows through ensure_partition; past them, by the floor (grow.ts). */
const PGPART_GROWTH_FAMILIES = size(500, 50);

/** The plain catalog query: the family's partitions with bounds, tablespace and size. */
const BARE_LISTING = `
SELECT i.inhparent::regclass AS parent, c.oid::regclass AS partition, pg_get_expr(c.relpartbound, c.oid) AS bound,
       coalesce(t.spcname, (SELECT d.spcname FROM pg_database db JOIN pg_tablespace d ON d.oid = db.dattablespace
                             WHERE db.datname = current_database())) AS tablespace,
       pg_total_relation_size(c.oid) AS total_bytes
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE i.inhparent IN ('public.tweet'::regclass, 'public.star'::regclass)
 ORDER BY 1, 3`;

export interface Growth {
  size: number;
  families: number;
  /** Families made for this size by ensure_partition, and how long they took, ms. */
  byPgpart: number;
  pgpartMs: number;
  /** Families made for this size by the floor (tables, attaches, history rows), and how long, ms. */
  byFloor: number;
  floorMs: number;
}

export interface Measured {
  size: number;
  /** Partitions of tweet and star attached when measured (before the families of e). */
  partitions: number;
  noop: number[];
  bare: number[];
  partitionsCall: Repeated;
  partitionsNoJit: Repeated;
  partitionFor: number[];
  check: Repeated;
  ensure: number[];
  bareFamily: number[];
  insertPlan: number[];
  insertCold: number[];
  selectPlan: number[];
  selectCold: number[];
}

export interface Part6 {
  growth: Growth[];
  measured: Measured[];
}

async function attachedCount(c: pg.Client): Promise<{ tweet: number; star: number }> {
  const r = await c.query<{ tweet: number; star: number }>(
    `SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.tweet'::regclass)::int AS tweet,
            (SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.star'::regclass)::int AS star`,
  );
  return r.rows[0]!;
}

/** The "Planning Time" EXPLAIN (SUMMARY) prints, in ms. */
async function planningTime(c: pg.Client, sql: string): Promise<number> {
  const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (SUMMARY) ${sql}`);
  for (const row of r.rows) {
    const m = /^Planning Time: ([\d.]+) ms/.exec(row['QUERY PLAN']);
    if (m) return Number(m[1]);
  }
  throw new Error(`no Planning Time in EXPLAIN of ${sql}`);
}

/** The client time of the first EXPLAIN on each of `n` new connections (the session's caches cold). */
async function coldExplain(url: string, sql: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = await connect(url);
    try {
      out.push((await timed(c, `EXPLAIN (SUMMARY) ${sql}`)).ms);
    } finally {
      await c.end().catch(() => {});
    }
  }
  return out;
}

interface Repeated {
  ms: number[];
  /** Rows the calls returned (of the last call), and the problems among them for check(). */
  rows: number;
  problems: string[];
}

/** `sql` LIST_CALLS times, stopping after the second call once LIST_BUDGET_MS is spent. */
async function repeated(c: pg.Client, sql: string): Promise<Repeated> {
  const out: Repeated = { ms: [], rows: 0, problems: [] };
  while (out.ms.length < LIST_CALLS && !(out.ms.length >= 2 && out.ms.reduce((a, b) => a + b, 0) > LIST_BUDGET_MS)) {
    const r = await timed(c, sql);
    out.ms.push(r.ms);
    out.rows = r.rows.length;
    out.problems = r.rows.filter((p) => 'problem' in p).map((p) => `${String(p.problem)} ${String(p.partition ?? '')}: ${String(p.detail)}`);
  }
  return out;
}

/** The last parting.history id, and what the rows after `since` did other than log a run. */
async function historyMark(c: pg.Client): Promise<number> {
  return Number((await c.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM parting.history')).rows[0]!.id);
}
async function historySince(c: pg.Client, since: number): Promise<string[]> {
  const r = await c.query<{ a: string }>(`SELECT action || ' ' || coalesce(partition, '') AS a FROM parting.history WHERE id > $1 AND action <> 'maintained' ORDER BY id`, [since]);
  return r.rows.map((x) => x.a);
}

async function measure(c: pg.Client, url: string, sizeNow: number, next: () => number, seq: Sequences | null): Promise<Measured> {
  const insert = `INSERT INTO public.tweet (json, "user", created_at) VALUES ('{}', 'u', now())`;
  const select = `SELECT count(*) FROM public.tweet WHERE created_at >= '${dayAt(-1).lower}' AND created_at < '${dayAt(-1).upper}'`;
  const counts = await attachedCount(c);

  // One untimed call of the catalog listing and of run_maintenance first, so every
  // measurement runs in a session whose caches hold every partition.
  const listed = await c.query(BARE_LISTING);
  await c.query('CALL parting.run_maintenance()');
  const mark = await historyMark(c);
  const noop = await timedRuns(c, 'CALL parting.run_maintenance()', NOOP_CALLS);
  const did = await historySince(c, mark);
  if (did.length) throw new Error(`size ${sizeNow}: run_maintenance was not a no-op: ${did.slice(0, 5).join(', ')}`);
  const bare = await timedRuns(c, BARE_LISTING, BARE_CALLS);
  const partitionsCall = await repeated(c, 'SELECT * FROM parting.partitions()');
  if (partitionsCall.rows !== listed.rowCount) {
    throw new Error(`size ${sizeNow}: partitions() has ${partitionsCall.rows} rows, the catalog ${listed.rowCount}`);
  }
  // PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost; the same
  // calls with it off show how much of the time is compiling.
  await c.query('SET jit = off');
  const partitionsNoJit = await repeated(c, 'SELECT * FROM parting.partitions()');
  await c.query('RESET jit');
  const partitionFor = await timedRuns(c, `SELECT parting.partition_for('tweet', now())`, FOR_CALLS);
  const check = await repeated(c, 'SELECT * FROM parting.check()');
  const insertPlan: number[] = [];
  const selectPlan: number[] = [];
  for (let i = 0; i < PLAN_CALLS; i++) {
    insertPlan.push(await planningTime(c, insert));
    selectPlan.push(await planningTime(c, select));
  }
  const insertCold = await coldExplain(url, insert, COLD_CONNECTIONS);
  const selectCold = await coldExplain(url, select, COLD_CONNECTIONS);

  // (e): the next families going back in time, pgpart and the floor taking turns.
  const ensure: number[] = [];
  const bareFamily: number[] = [];
  for (let i = 0; i < CREATED; i++) {
    const e = await timed(c, pgpartEnsureDay(dayAt(next())));
    if (e.rows[0]?.n !== 2) throw new Error(`size ${sizeNow}: ensure_partition made ${String(e.rows[0]?.n)} tables, expected 2`);
    ensure.push(e.ms);
    bareFamily.push((await timed(c, bareAttachFamily(dayAt(next()), seq))).ms);
  }
  return {
    size: sizeNow, partitions: counts.tweet + counts.star, noop, bare, partitionsCall, partitionsNoJit, partitionFor, check,
    ensure, bareFamily, insertPlan, insertCold, selectPlan, selectCold,
  };
}

export async function part6(log: (msg: string) => void): Promise<Part6> {
  const db: FreshDatabase = await freshDatabase('bench_scale');
  const c = await connect(db.url);
  try {
    await install(db.url, dailyFamilyConfig);
    await c.query(GROW_SQL);
    // pgpart sets the parent's sequence as a partition's id default on 14–16 only; the floor does the same.
    const seq = await identitySequences(c);

    // Today and 2 ahead exist (install.sql); every family after goes one day further back.
    let oldest = 0;
    const next = (): number => --oldest;
    const growth: Growth[] = [];
    const measured: Measured[] = [];
    for (const target of SCALE_SIZES) {
      const have = (await attachedCount(c)).tweet;
      const want = Math.max(target / 2, have);
      const byPgpart = Math.max(0, Math.min(want, PGPART_GROWTH_FAMILIES) - have);
      const byFloor = want - have - byPgpart;
      let t0 = performance.now();
      if (byPgpart > 0) {
        await growByPgpart(c, oldest - 1, oldest - byPgpart);
        oldest -= byPgpart;
      }
      const pgpartMs = performance.now() - t0;
      t0 = performance.now();
      if (byFloor > 0) {
        const newest = oldest - 1;
        await growByFloor(db.url, newest, oldest - byFloor, seq);
        oldest -= byFloor;
        await assertSameShape(c, dayAt(0), dayAt(newest));
      }
      const floorMs = performance.now() - t0;
      const now = await attachedCount(c);
      if (now.tweet !== want || now.star !== want) {
        throw new Error(`grew to ${now.tweet} tweet and ${now.star} star partitions, expected ${want} of each`);
      }
      growth.push({ size: target, families: want, byPgpart, pgpartMs, byFloor, floorMs });
      log(`  ${now.tweet + now.star} partitions (${byPgpart} families by ensure_partition in ${(pgpartMs / 1000).toFixed(1)} s, `
        + `${byFloor} by the floor in ${(floorMs / 1000).toFixed(1)} s); measuring`);
      measured.push(await measure(c, db.url, target, next, seq));
    }
    return { growth, measured };
  } finally {
    await c.end().catch(() => {});
    await db.drop();
  }
}

const med = (xs: readonly number[]): number => percentile(xs, 50);

export function formatPart6(p: Part6): string {
  const sizes = p.measured;
  const first = sizes[0];
  if (!first) return '(no sizes measured)';
  // " of 3", or " of 3, 3, 2 calls" when the sizes differ.
  const calls = (pick: (m: Measured) => Repeated): string => {
    const ns = sizes.map((m) => pick(m).ms.length);
    return ns.every((x) => x === ns[0]) ? ` of ${ns[0]}` : ` of ${ns.join(', ')} calls`;
  };
  type Row = { label: string; pgpart: (m: Measured) => number; bare?: (m: Measured) => number };
  const rows: Row[] = [
    { label: `(a) no-op \`CALL parting.run_maintenance()\`, warm (median of ${NOOP_CALLS})`, pgpart: (m) => med(m.noop), bare: (m) => med(m.bare) },
    { label: `(b) \`SELECT * FROM parting.partitions()\` (median${calls((m) => m.partitionsCall)})`, pgpart: (m) => med(m.partitionsCall.ms), bare: (m) => med(m.bare) },
    { label: `(b) the same with \`SET jit = off\` in the session (median${calls((m) => m.partitionsNoJit)})`, pgpart: (m) => med(m.partitionsNoJit.ms), bare: (m) => med(m.bare) },
    { label: `(c) \`SELECT parting.partition_for('tweet', now())\` (median of ${FOR_CALLS})`, pgpart: (m) => med(m.partitionFor), bare: (m) => med(m.bare) },
    { label: `(d) \`SELECT * FROM parting.check()\` (median${calls((m) => m.check)})`, pgpart: (m) => med(m.check.ms), bare: (m) => med(m.bare) },
    { label: `(e) one family: \`ensure_partition('tweet', <day>)\` vs the LIKE + ATTACH floor (median of ${CREATED} each)`, pgpart: (m) => med(m.ensure), bare: (m) => med(m.bareFamily) },
    { label: `(f) one-row INSERT into tweet: Planning Time, warm (median of ${PLAN_CALLS})`, pgpart: (m) => med(m.insertPlan) },
    { label: `(f) one-row INSERT: first EXPLAIN on a new connection, client ms (median of ${COLD_CONNECTIONS})`, pgpart: (m) => med(m.insertCold) },
    { label: `(f) one-day SELECT count(*) on tweet: Planning Time, warm (median of ${PLAN_CALLS})`, pgpart: (m) => med(m.selectPlan) },
    { label: `(f) one-day SELECT: first EXPLAIN on a new connection, client ms (median of ${COLD_CONNECTIONS})`, pgpart: (m) => med(m.selectCold) },
  ];
  const n = (x: number): string => x.toLocaleString('en');
  const header = [
    'measurement',
    ...sizes.flatMap((m) => [`${n(m.size)}: pgpart ms`, `${n(m.size)}: bare ms`, `${n(m.size)}: pgpart ÷ bare`]),
    ...sizes.slice(1).flatMap((m) => [`pgpart ${n(m.size)} ÷ ${n(first.size)}`, `bare ${n(m.size)} ÷ ${n(first.size)}`]),
  ];
  const body = rows.map((r) => [
    r.label,
    ...sizes.flatMap((m) => [ms(r.pgpart(m)), r.bare ? ms(r.bare(m)) : '—', r.bare ? ratio(r.pgpart(m), r.bare(m)) : '—']),
    ...sizes.slice(1).flatMap((m) => [ratio(r.pgpart(m), r.pgpart(first)), r.bare ? ratio(r.bare(m), r.bare(first)) : '—']),
  ]);
  const growth = table(
    [
      'size (partitions)', 'days (families)', 'made by ensure_partition', 's', 'mean ms per family',
      'made by the floor, 2 sessions', 's', 'mean ms per family', 'partitions when measured', 'check() problems',
    ],
    p.growth.map((g, i) => {
      const m = sizes[i];
      return [
        n(g.size), n(g.families),
        n(g.byPgpart), (g.pgpartMs / 1000).toFixed(1), g.byPgpart ? ms(g.pgpartMs / g.byPgpart) : '—',
        n(g.byFloor), (g.floorMs / 1000).toFixed(1), g.byFloor ? ms(g.floorMs / g.byFloor) : '—',
        m ? n(m.partitions) : '?', m ? String(m.check.problems.length) : '?',
      ];
    }),
  );
  const problems = sizes.flatMap((m) => m.check.problems.slice(0, 3).map((x) => `- UNEXPECTED check() problem at ${n(m.size)}: ${x}`));
  return [
    table(header, body),
    '',
    `- "bare" for (a)–(d) is one plain catalog query listing the same partitions with \`pg_get_expr(relpartbound, oid)\`, tablespace and`,
    '  `pg_total_relation_size` (median of ' + String(BARE_CALLS) + '); for (e) the floor is one transaction of `CREATE TABLE … (LIKE …)`, the id default, the',
    '  bound CHECK, the same indexes and foreign key under pgpart\'s names, and `ATTACH PARTITION` of tweet_X then star_X. (f) is PostgreSQL',
    '  alone (pgpart is not involved in planning), so it has no bare column.',
    '- All in one session (warm caches) after one untimed catalog listing and one untimed run_maintenance, except the cold',
    `  EXPLAINs. The no-op runs are checked to make nothing (no new \`created\` row in parting.history). (e) runs last at each size,`,
    `  ${CREATED} families per method, taking turns, each one day older than the last.`,
    '- Growing the database, one day after the other going back from today (fsync off): the first',
    `  ${n(PGPART_GROWTH_FAMILIES)} families by parting.ensure_partition in a procedure committing every ${GROW_COMMIT_EVERY} days; the rest by the floor's DDL,`,
    '  the tables made unattached, then attached by two sessions at once (tweet\'s and star\'s), with the `created` rows',
    '  ensure_partition logs added to parting.history: PostgreSQL reads every bound of the parent on each ATTACH, so making N',
    '  partitions one by one is O(N²) for any method, and two parents can be attached to in parallel. Each time, a floor-made',
    '  tweet_X and star_X are checked to be catalog-identical (columns, defaults, constraints, indexes, owner, grants, bounds)',
    '  to ensure_partition\'s, and check() finds no problem at any size.',
    '',
    growth,
    ...problems,
  ].join('\n');
}
