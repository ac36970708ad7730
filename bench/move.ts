// Moving a family's partition to another tablespace, two ways, on one throwaway PostgreSQL 15
// cluster (the test harness's, which has pg_repack), on real tablespaces (temp directories on
// the same disk as the data directory):
//
//   node --import tsx bench/move.ts      (or as part 13 of bench/run.ts)
//
//   set_tablespace   SELECT * FROM parting.set_tablespace(…): one transaction, ACCESS EXCLUSIVE
//                    on tweet_<month> and star_<month> for the copy: their readers and writers
//                    wait that long.
//   move --online    `pgpart move … --online` (the CLI from src/, run by tsx): pg_repack on each
//                    table, ACCESS EXCLUSIVE only briefly at its start, its swap and its drop.
//
// For a monthly tweet + star family of about 100 MB and about 500 MB (rows made with
// generate_series; the sizes printed are the family's real total, tables and indexes), in one
// database per size: set_tablespace moves it from pg_default to tablespace A, then move
// --online from A to B. Meanwhile 2 writers insert a tweet and its star per transaction into
// that month, and pg_locks is polled for ACCESS EXCLUSIVE on its tables. Reported: wall time,
// copy time per GiB, the longest ACCESS EXCLUSIVE seen, and the writers' longest transaction
// during the move against their longest just before it. Markdown on stdout, progress on
// stderr; about 100 s (--quick: one family of about 30 MB).

import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { freshDatabase, type FreshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { createTablespace, type Tablespace } from '../test/harness/tablespace.js';
import { connect, sleep } from './conn.js';
import { familyConfig, months, type Month } from './schema.js';
import { isMain, runAlone, size } from './mode.js';
import { max, ms, percentile, table } from './stats.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let log = (msg: string): void => void process.stderr.write(`[bench move] ${msg}\n`);

const SIZES_MB = size([100, 500], [30]);
/** A tweet and its star with their indexes take about this many bytes (measured; the real size is printed). */
const BYTES_PER_PAIR = 412;
export const MOVE_WRITERS = 2;
const WRITERS = MOVE_WRITERS;
const GiB = 2 ** 30;

interface Latencies { samples: { t0: number; ms: number }[]; failures: string[] }

/** WRITERS loops, each inserting a tweet and its star into `month` per transaction, until stopped. */
function startWriters(clients: pg.Client[], month: Month): { stop(): Promise<Latencies> } {
  let running = true;
  const samples: { t0: number; ms: number }[] = [];
  const failures: string[] = [];
  const at = `${month.key}-20 12:00:00+00`;
  const loop = async (c: pg.Client, w: number): Promise<void> => {
    await c.query(`SET statement_timeout = '120s'`);
    for (let i = 0; running; i++) {
      const t0 = performance.now();
      try {
        await c.query('BEGIN');
        const t = await c.query<{ id: string; created_at: Date }>({
          name: 'tweet', text: 'INSERT INTO tweet (json, "user", created_at) VALUES ($1, $2, $3) RETURNING id, created_at',
          values: [`{"w":${w},"i":${i}}`, `w${w}`, at],
        });
        await c.query({ name: 'star', text: 'INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ($1, $2, $3)',
          values: [`w${w}`, t.rows[0]!.id, t.rows[0]!.created_at] });
        await c.query('COMMIT');
        samples.push({ t0, ms: performance.now() - t0 });
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        failures.push((err as Error).message);
      }
    }
  };
  const loops = clients.map((c, w) => loop(c, w));
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { samples, failures };
    },
  };
}

/** The family of `month` with about `mb` MB: tweets (a ~200-byte json each) and one star per tweet. */
async function fill(c: pg.Client, month: Month, mb: number): Promise<number> {
  const pairs = Math.round((mb * 2 ** 20) / BYTES_PER_PAIR);
  await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [month.key]);
  // In slices, so no single statement holds a huge snapshot of work.
  const slice = 250_000;
  for (let from = 0; from < pairs; from += slice) {
    const n = Math.min(slice, pairs - from);
    await c.query(`
      WITH t AS (
        INSERT INTO tweet (json, "user", created_at)
        SELECT jsonb_build_object('n', g, 'text', md5(g::text) || md5((g + 1)::text) || md5((g + 2)::text) || md5((g + 3)::text)),
               'u' || (g % 1000), $1::timestamptz + (g % 2000000) * interval '1 second'
          FROM generate_series($2::int, $3::int) g
        RETURNING id, created_at)
      INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 's', id, created_at FROM t`, [month.lower, from + 1, from + n]);
  }
  await c.query('VACUUM ANALYZE tweet, star');
  return familyBytes(c, month);
}

async function familyBytes(c: pg.Client, month: Month): Promise<number> {
  const r = await c.query<{ b: string }>(`SELECT pg_total_relation_size($1::regclass) + pg_total_relation_size($2::regclass) AS b`,
    [`tweet_${month.suffix}`, `star_${month.suffix}`]);
  return Number(r.rows[0]!.b);
}

/** `pgpart move … --online --json`, from src/ by tsx: its JSON report and wall time. */
function moveOnline(db: FreshDatabase, month: Month, ts: string): Promise<{ ms: number; repackMs: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'),
      'move', 'tweet', month.key, ts, '--online', '--json', '--database-url', db.url], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = performance.now() - t0;
      if (code !== 0) return reject(new Error(`pgpart move --online exited ${code}: ${err}`));
      const report = JSON.parse(out) as { moved: { ms: number }[] };
      resolve({ ms: wall, repackMs: report.moved.reduce((n, m) => n + m.ms, 0), out });
    });
  });
}

/**
 * Polls pg_locks (~every 5 ms) for ACCESS EXCLUSIVE granted on the month's tables (the swap
 * tables pg_repack makes too, which are named for the table's oid); each stretch seen held
 * counts from the first poll that saw it to the first that did not. A lock held for less than
 * a poll may be missed: the longest is then a lower bound.
 */
function startLockSampler(c: pg.Client, month: Month): { stop(): Promise<{ longest: number; total: number; seen: number }> } {
  let on = true;
  const stretches: number[] = [];
  const loop = (async () => {
    let since: number | null = null;
    while (on) {
      const t = performance.now();
      const r = await c.query<{ held: boolean }>(`
        SELECT EXISTS (SELECT FROM pg_locks l
                        WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.granted
                          AND l.relation IN (to_regclass($1), to_regclass($2))) AS held`, [`tweet_${month.suffix}`, `star_${month.suffix}`]);
      const held = r.rows[0]!.held;
      if (held && since === null) since = t;
      if (!held && since !== null) {
        stretches.push(t - since);
        since = null;
      }
      await sleep(5);
    }
    if (since !== null) stretches.push(performance.now() - since);
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return { longest: max(stretches), total: stretches.reduce((a, b) => a + b, 0), seen: stretches.length };
    },
  };
}

interface Row {
  size: string; method: string; wallMs: number; copyMs: number; bytes: number;
  /** Writer transactions (ms) open at some time of the move, and those in a span as long just before it. */
  during: number[]; before: number[]; failed: number;
  /** ACCESS EXCLUSIVE on the month's tables as polled: the longest stretch, all stretches, how many. */
  locks: { longest: number; total: number; seen: number };
}

async function measure(db: FreshDatabase, month: Month, label: string, method: string, move: () => Promise<{ wallMs: number; copyMs: number }>): Promise<Row> {
  // The fill's (and the last move's) dirty pages written out first, so no checkpoint lands in the measurement.
  await db.client.query('CHECKPOINT');
  const clients = await Promise.all(Array.from({ length: WRITERS }, () => connect(db.url)));
  const sampling = await connect(db.url);
  try {
    const writers = startWriters(clients, month);
    const bytes = await familyBytes(db.client, month);
    await sleep(1000); // warm (plans cached), and the span "before" is measured in
    const sampler = startLockSampler(sampling, month);
    const t0 = performance.now();
    const { wallMs, copyMs } = await move();
    const t1 = performance.now();
    const locks = await sampler.stop();
    await sleep(200);
    const l = await writers.stop();
    const span = Math.min(t1 - t0, 900);
    // During: every transaction that was open at some time of the move (one that began just
    // before it may be the one that waited longest). Before: those wholly in the span before it.
    const during = l.samples.filter((x) => x.t0 < t1 && x.t0 + x.ms > t0).map((x) => x.ms);
    const before = l.samples.filter((x) => x.t0 >= t0 - span && x.t0 + x.ms <= t0).map((x) => x.ms);
    const row: Row = { size: label, method, wallMs, copyMs, bytes, during, before, failed: l.failures.length, locks };
    log(`${label} ${method}: ${ms(wallMs)} ms; writers' worst ${ms(max(row.during))} ms (${row.during.length} txns), ${ms(max(row.before))} before`);
    if (l.failures.length) log(`  failed: ${l.failures.slice(0, 3).join('; ')}`);
    return row;
  } finally {
    await Promise.all([...clients, sampling].map((c) => c.end().catch(() => {})));
  }
}

/**
 * Runs both moves at each size on the cluster in PGPART_TEST_DATABASE_URL (which must have
 * pg_repack) and returns Markdown.
 */
export async function partMove(report: (m: string) => void = log): Promise<string> {
  log = report;
  const started = performance.now();
  const spaces: Tablespace[] = [];
  const rows: Row[] = [];
  try {
    const [a, b] = [await createTablespace('bench_move_a'), await createTablespace('bench_move_b')];
    spaces.push(a, b);
    const month = months(-1, 1)[0]!;
    for (const mb of SIZES_MB) {
      const db = await freshDatabase(`bench_move_${mb}`);
      try {
        await install(db.url, familyConfig);
        await db.client.query('CREATE EXTENSION pg_repack');
        const t = performance.now();
        const bytes = await fill(db.client, month, mb);
        const label = `${(bytes / 2 ** 20).toFixed(0)} MB`;
        log(`filled ${label} in ${ms(performance.now() - t)} ms`);
        rows.push(await measure(db, month, label, '`parting.set_tablespace`', async () => {
          const t0 = performance.now();
          await db.client.query('SELECT * FROM parting.set_tablespace($1, $2, $3)', ['tweet', month.key, a.name]);
          const wallMs = performance.now() - t0;
          return { wallMs, copyMs: wallMs };
        }));
        rows.push(await measure(db, month, label, '`pgpart move --online`', async () => {
          const r = await moveOnline(db, month, b.name);
          return { wallMs: r.ms, copyMs: r.repackMs };
        }));
      } finally {
        await db.drop();
      }
    }
  } finally {
    for (const s of spaces) await s.drop().catch(() => {});
  }
  const header = ['family', 'method', 'wall ms', 'copy ms', 'copy ms per GiB', 'ACCESS EXCLUSIVE seen: longest ms (stretches, total ms)',
    'writer txns during', 'writers\' worst ms during', 'writers\' worst ms before', 'p50 ms during', 'failed'];
  const body = rows.map((r) => [
    r.size, r.method, ms(r.wallMs), ms(r.copyMs), ms(r.copyMs / (r.bytes / GiB)),
    r.locks.seen ? `${ms(r.locks.longest)} (${r.locks.seen}, ${ms(r.locks.total)})` : 'none seen',
    String(r.during.length), ms(max(r.during)), ms(max(r.before)), ms(percentile(r.during, 50)), String(r.failed),
  ]);
  return [
    table(header, body),
    '',
    '- wall ms: set_tablespace, the statement (its writers wait for the ACCESS EXCLUSIVE in it); move --online, the whole CLI run (node and tsx',
    '  starting, the checks, then pg_repack). copy ms: set_tablespace, the statement; move --online, the pg_repack runs (the tables\' `ms`',
    '  in its --json report).',
    '- "during": every writer transaction open at some time of the move; "before": those wholly in the span just before it (as long',
    '  as the move, at most 0.9 s).',
    `- Tablespaces are directories on the data directory's disk; fsync=off (throwaway cluster). Took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  await runAlone(`Moving a family's partition to another tablespace (${WRITERS} writers into that month)`, () => partMove());
}
