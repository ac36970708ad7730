// Part 8: maintenance behind a long reader. A session runs `BEGIN; SELECT count(*) FROM tweet`
// and stays in that transaction (in pg_sleep) for HOLD_MS, so it holds ACCESS SHARE on tweet
// and every partition; 1 s after it began, maintenance starts, with one month to retire
// (3 months back, retention keep '2 months', detach) and 2 months to premake. Four writers
// insert a tweet and its star per transaction into the current month all along. The question
// is how long a writer can stall: a request for ACCESS EXCLUSIVE on tweet queues behind the
// reader, and every writer queues behind the request. Scenarios, each on a fresh database:
//   none            the reader alone (writers' baseline);
//   pgpart          CALL parting.run_maintenance() with the default settings (lockTimeout, lockTries);
//   cli             `pgpart maintain` (a process: DETACH … CONCURRENTLY, then run_maintenance);
//   plain           plain DDL: 2 families with PARTITION OF, then LOCK + DETACH PARTITION;
//   partman         pg_partman 4.7 run_maintenance_proc, on tweet alone (it cannot make the
//                   star family), with tweet-only writers and their own baseline, partmanNone;
//   lt300ms, lt1s, lt2s     as pgpart, with lockTimeout '300ms' / '1s' / '2s' in the config (the one
//                           equal to the default is not run again: row pgpart is it).

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { configSchema, type ConfigInput } from '../src/config/schema.js';
import { runCli } from '../test/harness/cli.js';
import { freshDatabase, type FreshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { connect, sleep } from './conn.js';
import { seed } from './maintenance.js';
import { size } from './mode.js';
import { installPartman, partmanMonthly, partmanPartition } from './partman.js';
import { bareDetachFamily, bareFamily, familyConfig, months, pgpartEnsure, starParentDdl, tweetParentDdl, withTweetPartition, type Month } from './schema.js';
import { max, ms, percentile, table } from './stats.js';
import { measuredWindow, WRITERS, type PhaseResult } from './writers.js';

export const READER_HOLD_MS = size(12_000, 1_500);
const LEAD_MS = 1_000;
/** Writers may wait behind the reader for its whole hold: a bound well above it, so no writer is cancelled by the benchmark. */
const WRITER_TIMEOUT = '60s';

type Scenario = 'none' | 'pgpart' | 'cli' | 'plain' | 'partmanNone' | 'partman' | 'lt300ms' | 'lt1s' | 'lt2s';
const ORDER: readonly Scenario[] = ['none', 'pgpart', 'cli', 'plain', 'partmanNone', 'partman', 'lt300ms', 'lt1s', 'lt2s'];
/** pgpart's scenarios, with the lockTimeout each sets in the config (none: the default). */
const LOCK_TIMEOUT: Partial<Record<Scenario, string | null>> = { pgpart: null, cli: null, lt300ms: '300ms', lt1s: '1s', lt2s: '2s' };
const TRADE_OFF: readonly Scenario[] = ['lt300ms', 'lt1s', 'lt2s'];
/** The config's default lockTimeout and lockTries, as the schema fills them in. */
const DEFAULTS = configSchema.parse(familyConfig);
const tweetOnly = (s: Scenario): boolean => s === 'partman' || s === 'partmanNone';
const isPgpart = (s: Scenario): boolean => s in LOCK_TIMEOUT;
/** A trade-off scenario whose lockTimeout is the default is row pgpart: not run twice. */
const sameAsDefault = (s: Scenario): boolean => TRADE_OFF.includes(s) && LOCK_TIMEOUT[s] === DEFAULTS.lockTimeout;

const LABEL: Record<Scenario, string> = {
  none: '(a) none: the reader alone',
  pgpart: `(b) pgpart \`CALL parting.run_maintenance()\`, default settings (lockTimeout ${DEFAULTS.lockTimeout}, lockTries ${DEFAULTS.lockTries})`,
  cli: '(c) `pgpart maintain` (CLI process; DETACH … CONCURRENTLY)',
  plain: '(d) plain DDL: 2× family `PARTITION OF`, then `LOCK` + `DETACH PARTITION` star_X, tweet_X',
  partmanNone: '(a′) none, tweet-only writers (baseline for e)',
  partman: '(e) pg_partman 4.7 `CALL partman.run_maintenance_proc()`, tweet only',
  lt300ms: '300ms',
  lt1s: '1s',
  lt2s: '2s',
};

interface Span {
  due: Month;
  kept: Month[];
  ahead: Month[];
  current: Month;
}

function span(): Span {
  return { due: months(-3, 1)[0]!, kept: months(-2, 3), ahead: months(1, 2), current: months(0, 1)[0]! };
}

function readerConfig(lockTimeout: string | null): ConfigInput {
  return withTweetPartition({ premake: 2, retention: { keep: '2 months', action: 'detach' } }, lockTimeout ? { lockTimeout } : {});
}

async function setup(s: Scenario, sp: Span): Promise<FreshDatabase> {
  const db = await freshDatabase(`bench_reader_${s}`);
  const c = db.client;
  const all = [sp.due, ...sp.kept];
  try {
    await c.query(`SET TimeZone = 'UTC'`);
    const lockTimeout = LOCK_TIMEOUT[s];
    if (lockTimeout !== undefined) {
      await install(db.url, readerConfig(lockTimeout));
      for (const m of all) await c.query(pgpartEnsure(m));
    } else if (tweetOnly(s)) {
      await installPartman(c);
      await c.query(tweetParentDdl);
      await partmanMonthly(c, 'tweet', sp.due, 2, '2 months');
      // As in part 4: the 2 months ahead are dropped again, so that maintenance has them to make.
      for (const m of sp.ahead) await c.query(`DROP TABLE ${partmanPartition('tweet', m)}`);
    } else {
      await c.query(tweetParentDdl);
      await c.query(starParentDdl);
      for (const m of all) await c.query(bareFamily(m));
    }
    await seed(c, all, !tweetOnly(s));
    await c.query('ANALYZE');
  } catch (err) {
    await db.drop();
    throw err;
  }
  return db;
}

/** BEGIN; count(*) over tweet; stay in the transaction until HOLD_MS after it began; COMMIT. */
async function hold(url: string): Promise<void> {
  const reader = await connect(url);
  try {
    const t0 = performance.now();
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM public.tweet');
    await reader.query('SELECT pg_sleep($1)', [Math.max(0, READER_HOLD_MS - (performance.now() - t0)) / 1000]);
    await reader.query('COMMIT');
  } finally {
    await reader.end().catch(() => {});
  }
}

async function maintain(s: Scenario, c: pg.Client, url: string, sp: Span, notes: string[]): Promise<void> {
  if (isPgpart(s) && s !== 'cli') {
    await c.query('CALL parting.run_maintenance()');
  } else if (s === 'cli') {
    const r = await runCli(['maintain', '--database-url', url]);
    if (r.code !== 0) notes.push(`exit ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
  } else if (s === 'plain') {
    for (const m of sp.ahead) await c.query(bareFamily(m));
    await c.query(bareDetachFamily(sp.due));
  } else if (s === 'partman') {
    await c.query('CALL partman.run_maintenance_proc()');
  }
}

interface Outcome {
  premade: string;
  retired: string;
}

/** What the maintenance got done: from parting.history for pgpart, from the catalog otherwise. */
async function outcome(s: Scenario, c: pg.Client, sp: Span, since: number): Promise<Outcome> {
  if (isPgpart(s)) {
    const r = await c.query<{ created: number; retire: string | null }>(
      `SELECT count(*) FILTER (WHERE action = 'created')::int AS created,
              string_agg(DISTINCT action || CASE WHEN action IN ('skipped', 'failed') THEN ' (' || (detail ->> 'error') || ')' ELSE '' END, '; ')
                FILTER (WHERE partition IN ($2, $3) AND action IN ('detached', 'skipped', 'failed')) AS retire
         FROM parting.history WHERE id > $1`,
      [since, `tweet_${sp.due.suffix}`, `star_${sp.due.suffix}`],
    );
    const row = r.rows[0]!;
    return { premade: `${row.created / 2} of ${sp.ahead.length} families (${row.created} \`created\` rows)`, retired: row.retire ?? 'not tried' };
  }
  if (s === 'none' || s === 'partmanNone') return { premade: '—', retired: '—' };
  const name = (m: Month): string => (tweetOnly(s) ? partmanPartition('tweet', m) : `public.tweet_${m.suffix}`);
  const r = await c.query<{ made: number; due_attached: boolean }>(
    `SELECT (SELECT count(*) FROM unnest($1::text[]) t WHERE to_regclass(t) IS NOT NULL)::int AS made,
            EXISTS (SELECT FROM pg_inherits WHERE inhrelid = to_regclass($2)) AS due_attached`,
    [sp.ahead.map(name), name(sp.due)],
  );
  const row = r.rows[0]!;
  return { premade: `${row.made} of ${sp.ahead.length}`, retired: row.due_attached ? 'still attached' : 'detached' };
}

interface Run {
  phase: PhaseResult;
  wallMs: number;
  outcome: Outcome;
  notes: string[];
}

export type Part8 = Partial<Record<Scenario, Run>>;

export async function part8(log: (msg: string) => void): Promise<Part8> {
  const sp = span();
  const out: Part8 = {};
  for (const s of ORDER) {
    if (sameAsDefault(s)) continue;
    const db = await setup(s, sp);
    try {
      const since = isPgpart(s)
        ? Number((await db.client.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM parting.history')).rows[0]!.id)
        : 0;
      let wallMs = 0;
      const notes: string[] = [];
      const phase = await measuredWindow(
        db.url,
        sp.current,
        async (maint) => {
          const held = hold(db.url);
          await sleep(LEAD_MS);
          const t0 = performance.now();
          await maintain(s, maint, db.url, sp, notes);
          wallMs = performance.now() - t0;
          await held;
          return [wallMs];
        },
        { star: !tweetOnly(s), statementTimeout: WRITER_TIMEOUT },
      );
      out[s] = { phase, wallMs, outcome: await outcome(s, db.client, sp, since), notes };
      log(`  ${s}: worst writer ${ms(max(phase.latencies))} ms, maintenance ${ms(wallMs)} ms`);
    } finally {
      await db.drop();
    }
  }
  return out;
}

function row(label: string, r: Run | undefined, s: Scenario): string[] {
  if (!r) return [label, 'not run', '', '', '', '', '', '', '', ''];
  const l = r.phase.latencies;
  const maintained = s !== 'none' && s !== 'partmanNone';
  return [
    label,
    String(l.length),
    String(r.phase.failures),
    ms(percentile(l, 50)),
    ms(percentile(l, 99)),
    ms(max(l)),
    maintained ? ms(r.wallMs) : '—',
    r.outcome.premade,
    r.outcome.retired,
    [...r.notes, ...r.phase.errors.slice(0, 2)].join('; '),
  ];
}

export function formatPart8(p: Part8): string {
  const header = ['maintenance behind the reader', 'writer txns', 'failed', 'p50 ms', 'p99 ms', 'worst stall (max) ms', 'maintenance wall ms', 'premade', 'month due: retire', 'notes'];
  const main: Scenario[] = ['none', 'pgpart', 'cli', 'plain', 'partmanNone', 'partman'];
  const trade: [string, Scenario][] = TRADE_OFF.map((s) =>
    sameAsDefault(s) ? [`${LABEL[s]} (the default: row b above)`, 'pgpart'] : [LABEL[s], s]);
  return [
    table(header, main.map((s) => row(LABEL[s], p[s], s))),
    '',
    'The trade-off: pgpart\'s `lockTimeout` (`CALL parting.run_maintenance()`, lockTries 5), the same reader and writers:',
    '',
    table(['lockTimeout', ...header.slice(1)], trade.map(([lt, s]) => row(lt, p[s], s))),
    '',
    `- The reader: \`BEGIN; SELECT count(*) FROM tweet;\` then \`pg_sleep\` in the same transaction until ${READER_HOLD_MS / 1000} s after its BEGIN, then COMMIT;`,
    `  maintenance starts ${LEAD_MS / 1000} s after the BEGIN. The window runs from the reader's BEGIN to the end of the later of the reader and the`,
    '  maintenance; latency is BEGIN → INSERT tweet … RETURNING → INSERT star → COMMIT (tweet alone for a′ and e) of every transaction',
    `  started in it. ${WRITERS} writers, into the current month; their statement_timeout is ${WRITER_TIMEOUT}, so a stall shows as latency, not as a failure.`,
    '- Each scenario on a fresh database with the family for 3 months back (due: retention keep \'2 months\'), the 2 months after it',
    '  and the current one, 300 tweets (+ stars) in each; the 2 months ahead missing (premake 2). One run per scenario.',
    '- premade / retire for pgpart: its `parting.history` rows of the run (`created`; the due month\'s `detached`, or `skipped` with',
    '  the reason); for the others, from the catalog afterwards.',
  ].join('\n');
}
