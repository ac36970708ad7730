// Part 4: writer latency during run_maintenance. Each scenario gets a fresh database holding
// the tweet + star family for the current month, the 2 before it and 12 older months
// (3..14 months back, a few hundred rows each) that a '2 months' retention retires; the 2
// months ahead are missing, so maintenance also premakes them. Four writers loop on
// BEGIN; INSERT tweet; INSERT star; COMMIT into the current month while a fifth session
// does the maintenance (or, for the baselines, nothing): pgpart's CALL run_maintenance(),
// `pgpart maintain` (DETACH … CONCURRENTLY), the bare-DDL floor, pg_partman 4.7 (tweet only:
// it cannot make the per-partition foreign key, so its writers insert a tweet alone and
// have their own baseline). Retention is relative to now(), as are pg_partman's months.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { freshDatabase, type FreshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { maintainCommand } from '../src/cli/maintain.js';
import { connect, sleep, timed } from './conn.js';
import {
  bareDetachFamily,
  bareFamily,
  months,
  pgpartEnsure,
  retentionFamilyConfig,
  starParentDdl,
  tweetParentDdl,
  type Month,
} from './schema.js';
import { size } from './mode.js';
import { installPartman, partmanMonthly, partmanPartition } from './partman.js';
import { max, ms, percentile, ratio, table } from './stats.js';
import { measuredWindow, WRITERS, type PhaseResult } from './writers.js';

/** Months retired by one maintenance run: 3..14 months before the current one. */
export const OLD_MONTHS = 12;
/** Months kept: the current one and the 2 before it (retention keep '2 months'). */
const KEPT_MONTHS = 3;
/** Months made by one maintenance run: the 2 after the current one (premake 2). */
const PREMAKE = 2;
/** Seed rows per month (tweets, and as many stars). */
export const SEED_ROWS = 300;
export const MAINTENANCE_ROUNDS = size(4, 1);

export type MaintScenario = 'baseline' | 'pgpart' | 'bare' | 'partmanBaseline' | 'partman' | 'cli';
const MAINTAINED: readonly MaintScenario[] = ['pgpart', 'bare', 'partman', 'cli'];
const BASELINES: readonly MaintScenario[] = ['baseline', 'partmanBaseline'];
/** pg_partman cannot build the star family (no per-partition FK): its databases have tweet alone. */
const tweetOnly = (s: MaintScenario): boolean => s === 'partman' || s === 'partmanBaseline';

interface Span {
  old: Month[];
  kept: Month[];
  ahead: Month[];
  current: Month;
}

function span(): Span {
  const old = months(-(OLD_MONTHS + KEPT_MONTHS - 1), OLD_MONTHS);
  const kept = months(-(KEPT_MONTHS - 1), KEPT_MONTHS);
  const ahead = months(1, PREMAKE);
  const current = kept[kept.length - 1];
  if (!current) throw new Error('no current month');
  return { old, kept, ahead, current };
}

/** SEED_ROWS tweets (and a star for each) in every month of `ms`. */
export async function seed(c: pg.Client, ms: readonly Month[], star: boolean): Promise<void> {
  await c.query(
    `INSERT INTO public.tweet (json, "user", created_at)
     SELECT '{"seed":true}', 'seed' || g, m + g * interval '1 minute'
       FROM unnest($1::timestamptz[]) m, generate_series(1, ${SEED_ROWS}) g`,
    [ms.map((m) => m.lower)],
  );
  if (star) {
    await c.query(`INSERT INTO public.star ("user", tweet_id, tweet_created_at) SELECT 'fan', id, created_at FROM public.tweet`);
  }
}

async function setup(s: MaintScenario, sp: Span): Promise<FreshDatabase> {
  const db = await freshDatabase(`bench_maint_${s}`);
  const c = db.client;
  const all = [...sp.old, ...sp.kept];
  try {
    await c.query(`SET TimeZone = 'UTC'`);
    if (s === 'bare') {
      await c.query(tweetParentDdl);
      await c.query(starParentDdl);
      for (const m of all) await c.query(bareFamily(m));
    } else if (tweetOnly(s)) {
      await installPartman(c);
      await c.query(tweetParentDdl);
      // create_parent makes every month from the first old one to now + premake; the 2
      // ahead are dropped again so that run_maintenance has them to make, as pgpart does.
      const first = sp.old[0];
      if (!first) throw new Error('no old month');
      await partmanMonthly(c, 'tweet', first, PREMAKE, '2 months');
      for (const m of sp.ahead) await c.query(`DROP TABLE ${partmanPartition('tweet', m)}`);
    } else {
      await install(db.url, retentionFamilyConfig);
      for (const m of all) await c.query(pgpartEnsure(m));
    }
    // The current month gets rows too: pg_partman counts "now" from the newest month with data.
    await seed(c, all, !tweetOnly(s));
    await c.query('ANALYZE');
    const before = await shape(c);
    const want = tweetOnly(s) ? all.length : 2 * all.length;
    if (before.attached !== want) throw new Error(`${s}: set up ${before.attached} partitions, expected ${want}`);
  } catch (err) {
    await db.drop();
    throw err;
  }
  return db;
}

interface Shape {
  /** Range partitions attached to tweet and star. */
  attached: number;
  /** Partitions attached to archive.tweet and archive.star. */
  archived: number;
}

async function shape(c: pg.Client): Promise<Shape> {
  const r = await c.query<Shape>(
    `SELECT (SELECT count(*) FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid
              WHERE i.inhparent IN ('public.tweet'::regclass, coalesce(to_regclass('public.star'), 0))
                AND pg_get_expr(k.relpartbound, k.oid) <> 'DEFAULT')::int AS attached,
            (SELECT count(*) FROM pg_inherits i
              WHERE i.inhparent IN (coalesce(to_regclass('archive.tweet'), 0), coalesce(to_regclass('archive.star'), 0)))::int AS archived`,
  );
  const row = r.rows[0];
  if (!row) throw new Error('no shape');
  return row;
}

/**
 * `pgpart maintain --database-url url`, called in this process (as the other scenarios' maintenance
 * sessions are) with its report, which it prints on stdout, kept out of the benchmark's output.
 * Returns that report, and the error it ended with (it throws when a step failed or was skipped).
 */
async function pgpartMaintain(url: string): Promise<{ out: string; error?: string }> {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array): boolean => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    await maintainCommand({ databaseUrl: url, concurrently: true });
    return { out };
  } catch (err) {
    return { out, error: err instanceof Error ? err.message : String(err) };
  } finally {
    process.stdout.write = write;
  }
}

/** The maintenance of scenario `s` on `c`; returns its wall time in ms. */
async function maintain(s: MaintScenario, c: pg.Client, url: string, sp: Span, baselineMs: number, notes: string[]): Promise<number> {
  const t0 = performance.now();
  switch (s) {
    case 'baseline':
    case 'partmanBaseline':
      await sleep(baselineMs);
      break;
    case 'pgpart':
      await c.query('CALL parting.run_maintenance()');
      break;
    case 'bare':
      for (const m of sp.ahead) await timed(c, bareFamily(m));
      for (const m of sp.old) await timed(c, bareDetachFamily(m));
      break;
    case 'partman':
      await c.query('CALL partman.run_maintenance_proc()');
      break;
    case 'cli': {
      const r = await pgpartMaintain(url);
      if (r.error) notes.push(`pgpart maintain: ${r.error}`);
      break;
    }
  }
  return performance.now() - t0;
}

const isPgpart = (s: MaintScenario): boolean => s === 'pgpart' || s === 'cli';

/** What the maintenance did, from the catalog (and pgpart's history); `ok` if it is the expected work. */
async function outcome(s: MaintScenario, c: pg.Client, sp: Span, notes: readonly string[]): Promise<{ ok: boolean; text: string }> {
  const after = await shape(c);
  const perFamily = tweetOnly(s) ? 1 : 2;
  const attachedWant = perFamily * (sp.kept.length + (BASELINES.includes(s) ? sp.old.length : PREMAKE));
  const archivedWant = isPgpart(s) ? perFamily * sp.old.length : 0;
  let text = `${after.attached} attached, ${after.archived} archived`;
  if (isPgpart(s)) {
    // parting.history durations run from the start of the detach (or archive) to each table's row.
    const h = await c.query<{ detail: unknown; detached: number | null; archived: number | null; other: string | null }>(
      `SELECT (SELECT detail FROM parting.history WHERE action = 'maintained' ORDER BY id DESC LIMIT 1) AS detail,
              (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM duration) * 1000)
                 FROM parting.history WHERE action = 'detached')::float8 AS detached,
              (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM duration) * 1000)
                 FROM parting.history WHERE action = 'archived')::float8 AS archived,
              (SELECT string_agg(action || ' ' || coalesce(partition, '') || ': ' || coalesce(detail ->> 'error', ''), '; ')
                 FROM parting.history WHERE action IN ('skipped', 'failed')) AS other`,
    );
    const row = h.rows[0];
    const median = (action: string, v: number | null | undefined): string =>
      v === null || v === undefined ? '' : `, median '${action}' ${ms(v)} ms`;
    text +=
      `; parting.history: run_maintenance ${JSON.stringify(row?.detail)}${median('detached', row?.detached)}` +
      `${median('archived', row?.archived)}${row?.other ? `; ${row.other}` : ''}`;
  }
  if (notes.length) text += `; ${notes.join('; ')}`;
  return { ok: after.attached === attachedWant && after.archived === archivedWant && notes.length === 0, text };
}

interface Run {
  phase: PhaseResult;
  wallMs: number;
  outcome: { ok: boolean; text: string };
}

export type Part4 = Record<MaintScenario, Run[]>;

export async function part4(log: (msg: string) => void): Promise<Part4> {
  const sp = span();
  const runs: Part4 = { baseline: [], pgpart: [], bare: [], partmanBaseline: [], partman: [], cli: [] };
  const one = async (s: MaintScenario, baselineMs: number): Promise<number> => {
    const db = await setup(s, sp);
    try {
      let wallMs = 0;
      const notes: string[] = [];
      const phase = await measuredWindow(
        db.url,
        sp.current,
        async (maint) => {
          wallMs = await maintain(s, maint, db.url, sp, baselineMs, notes);
          return [wallMs];
        },
        { star: !tweetOnly(s) },
      );
      const c = await connect(db.url);
      try {
        runs[s].push({ phase, wallMs, outcome: await outcome(s, c, sp, notes) });
      } finally {
        await c.end().catch(() => {});
      }
      return phase.windowMs;
    } finally {
      await db.drop();
    }
  };
  for (let r = 0; r < MAINTENANCE_ROUNDS; r++) {
    const order = MAINTAINED.map((_, i) => MAINTAINED[(i + r) % MAINTAINED.length] as MaintScenario);
    const windows: number[] = [];
    for (const s of order) windows.push(await one(s, 0));
    // The baselines run as long as the longest of this round's maintenance windows.
    const d = Math.max(...windows);
    for (const s of BASELINES) await one(s, d);
    log(`  round ${r + 1}/${MAINTENANCE_ROUNDS} done`);
  }
  return runs;
}

const LABEL: Record<MaintScenario, string> = {
  baseline: '(a) none (baseline)',
  pgpart: '(b) pgpart `CALL parting.run_maintenance()`',
  bare: '(c) bare DDL: `PARTITION OF` ×2 families, then per old month `LOCK` parents + 2× `DETACH PARTITION`',
  partmanBaseline: '(a′) none, tweet-only writers (baseline for d)',
  partman: '(d) pg_partman 4.7 `CALL partman.run_maintenance_proc()`, tweet only',
  cli: '(e) `pgpart maintain` (concurrent path)',
};

const WORK: Record<MaintScenario, string> = {
  baseline: '—',
  pgpart: `make ${PREMAKE} families; detach + archive ${OLD_MONTHS} families; one transaction per step`,
  bare: `make ${PREMAKE} families; detach ${OLD_MONTHS} families (no archive); one transaction per family`,
  partmanBaseline: '—',
  partman: `make ${PREMAKE} tweet partitions; detach ${OLD_MONTHS} (keep_table); one transaction for the table`,
  cli: `detach ${OLD_MONTHS} families with \`DETACH … CONCURRENTLY\` + archive; then run_maintenance makes ${PREMAKE} families`,
};

export function formatPart4(runs: Part4): string {
  const all = (s: MaintScenario): number[] => runs[s].flatMap((r) => r.phase.latencies);
  const base: Record<MaintScenario, MaintScenario> = {
    baseline: 'baseline',
    pgpart: 'baseline',
    bare: 'baseline',
    partmanBaseline: 'partmanBaseline',
    partman: 'partmanBaseline',
    cli: 'baseline',
  };
  const order: MaintScenario[] = ['baseline', 'pgpart', 'cli', 'bare', 'partmanBaseline', 'partman'];
  const header = [
    'maintenance during the window', 'work per run', 'window s', 'writer txns', 'failed', 'p50 ms', 'p99 ms', 'max ms',
    'max ms, median of rounds', 'maintenance wall ms (median)', 'p99 ÷ baseline', 'max ÷ baseline',
    'median-of-rounds max ÷ baseline\'s',
  ];
  const roundMax = (s: MaintScenario): number => percentile(runs[s].map((r) => max(r.phase.latencies)), 50);
  const rows = order.map((s) => {
    const l = all(s);
    const b = all(base[s]);
    const rs = runs[s];
    const walls = rs.map((r) => r.wallMs);
    return [
      LABEL[s],
      WORK[s],
      (rs.reduce((a, r) => a + r.phase.windowMs, 0) / 1000).toFixed(2),
      String(l.length),
      String(rs.reduce((a, r) => a + r.phase.failures, 0)),
      ms(percentile(l, 50)),
      ms(percentile(l, 99)),
      ms(max(l)),
      ms(roundMax(s)),
      BASELINES.includes(s) ? '—' : ms(percentile(walls, 50)),
      ratio(percentile(l, 99), percentile(b, 99)),
      ratio(max(l), max(b)),
      ratio(roundMax(s), roundMax(base[s])),
    ];
  });
  const perRound = order.map(
    (s) =>
      `  ${LABEL[s]}: ${runs[s]
        .map((r) => `${ms(percentile(r.phase.latencies, 99))} / ${ms(max(r.phase.latencies))}${BASELINES.includes(s) ? '' : ` (wall ${ms(r.wallMs)})`}`)
        .join(', ')}`,
  );
  const wrong = order.flatMap((s) => runs[s].filter((r) => !r.outcome.ok).map((r) => `- UNEXPECTED result of ${LABEL[s]}: ${r.outcome.text}`));
  const outcomes = order
    .filter((s) => !BASELINES.includes(s))
    .map((s) => `  ${LABEL[s]}: ${runs[s][0]?.outcome.text ?? '?'}`);
  const errs = order.flatMap((s) => runs[s].flatMap((r) => r.phase.errors).slice(0, 3).map((e) => `- ${s}: ${e}`));
  return [
    table(header, rows),
    '',
    `- Each scenario: a fresh database per round with ${OLD_MONTHS + KEPT_MONTHS} months of families (3..14 months back, the 2 before`,
    `  the current month and the current one), ${SEED_ROWS} tweets (+ ${SEED_ROWS} stars) in each; retention keep '2 months', premake ${PREMAKE}.`,
    `  ${MAINTENANCE_ROUNDS} rounds, the maintained scenarios' order rotated each round; the baselines run last, each as long as the`,
    '  longest maintenance window of its round. Latency is BEGIN → INSERT tweet … RETURNING → INSERT star → COMMIT (tweet alone',
    '  for a′ and d) for every transaction started inside the window; the window is the maintenance call, from send to return.',
    '- pg_partman cannot make the per-partition foreign key star_X → tweet_X, so (d) has no star: its writers insert a tweet alone and',
    '  are compared with (a′), a baseline with the same tweet-only writers. pg_partman keeps the tables (retention_keep_table) but',
    '  has no archive step; its run_maintenance_proc commits once per partition set, so all of tweet\'s retention is one transaction.',
    '- Writer p99 / max per round, ms (maintenance wall time):',
    ...perRound,
    '- Partitions afterwards (first round):',
    ...outcomes,
    ...wrong,
    ...(errs.length ? ['', 'First errors:', ...errs] : []),
  ].join('\n');
}
