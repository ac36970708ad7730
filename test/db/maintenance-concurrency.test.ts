// DESIGN F5 under load: run_maintenance "never blocks writes, never loses a row".
//
//   1a  creation only (no default partition): writers + maintenance raising premake; the
//       maintenance backend never takes ACCESS EXCLUSIVE (nor EXCLUSIVE) on the parents and
//       only SHARE UPDATE EXCLUSIVE is seen, which also proves the pg_locks sampler works.
//   1b  default partition + retention 'archive': writers insert a tweet and its star in one
//       transaction into current, next, +4 (default, drained in batches while writers keep
//       writing there) and, during a warm-up only, into months that are then archived.
//       Every row is found exactly once, every star with its tweet in the same-suffix table.
//   2   lock queue: a long reader of an old partition; retirement is skipped (55P03) without
//       ever asking for ACCESS EXCLUSIVE (the pg_locks probe), writers go on meanwhile; once
//       the reader commits, the next run detaches it.
//   3   fault: the maintenance backend is terminated mid-step (catch-up creation; batched
//       drain); no half family, no stray table, no row lost or doubled; the next run finishes.
//
// Every assertion is on counts, order and locks, never on timings. Where a step must be
// caught in the middle, it is made to wait on a lock another connection holds, so the
// moment is deterministic.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { installed } from '../harness/install.js';
import { newClient, withClients, type FreshDatabase } from '../harness/db.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { column, logged, monthlyTweetStar, rows, scalar } from './helpers.js';

// ---------------------------------------------------------------------------------------
// Shared pieces

interface Lock {
  pid: number;
  mode: string;
  granted: boolean;
  oid: string;
  nspname: string | null;
  relname: string | null;
}

interface Sample {
  /** The phase when the query was sent and when its answer came back, or 'mixed'. */
  phase: string;
  locks: Lock[];
}

interface Failure {
  who: string;
  code: string | undefined;
  message: string;
}

/** Rows the writers committed: tweet id → created_at (ISO), star id → "tweet_id|tweet_created_at". */
interface Recorder {
  tweets: Map<string, string>;
  stars: Map<string, string>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function newRecorder(): Recorder {
  return { tweets: new Map(), stars: new Map() };
}

function config(opts: { default: boolean; premake?: number; retention?: { keep: string; action: 'detach' | 'archive' | 'drop' } }): ConfigInput {
  const c = monthlyTweetStar({ default: opts.default, premake: opts.premake ?? 2 });
  if (opts.retention) {
    const p = c.models.tweet!.partition as Record<string, unknown>;
    p.retention = opts.retention;
  }
  return c;
}

async function pidOf(c: pg.Client): Promise<number> {
  return Number(await scalar(c, 'SELECT pg_backend_pid()'));
}

/** 'YYYY-MM' of the month `offset` months from the current one (UTC, server clock). */
async function monthKey(c: pg.Client, offset: number): Promise<string> {
  return scalar<string>(c, `SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => $1::int), 'YYYY-MM')`, [offset]);
}

/** monthKey for each offset, one query at a time on `c`. */
async function months(c: pg.Client, offsets: number[]): Promise<string[]> {
  const out: string[] = [];
  for (const o of offsets) out.push(await monthKey(c, o));
  return out;
}

const suffixOf = (key: string) => key.replace('-', '_');

/** A timestamp inside month `key`, varied by n. */
function at(key: string, n: number): string {
  const day = 1 + (n % 28);
  const sec = n % 3600;
  return `${key}-${String(day).padStart(2, '0')} ${String(1 + Math.floor(sec / 60) % 22).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}:00+00`;
}

/**
 * A tweet and its star in ONE transaction, tweet first (the writers' order, which a
 * dependents-first detach would deadlock with). The tweet's json records the server's
 * clock_timestamp() at insert. Recorded only once committed.
 */
async function insertPair(c: pg.Client, ts: string, who: string, rec: Recorder): Promise<void> {
  await c.query('BEGIN');
  try {
    const t = await c.query<{ id: string; created_at: Date }>(
      `INSERT INTO tweet (json, "user", created_at) VALUES (jsonb_build_object('at', clock_timestamp()), $1, $2)
       RETURNING id::text AS id, created_at`, [who, ts]);
    const { id, created_at } = t.rows[0]!;
    const s = await c.query<{ id: string }>(
      `INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ($1, $2, $3) RETURNING id::text AS id`,
      [who, id, created_at]);
    await c.query('COMMIT');
    rec.tweets.set(id, created_at.toISOString());
    rec.stars.set(s.rows[0]!.id, `${id}|${created_at.toISOString()}`);
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

interface WriterRun {
  /** Resolves when every writer has stopped. */
  done: Promise<void>;
  /** Iterations each writer finished (committed or failed). */
  iterations: number[];
  /** Commits in order, with the JS times the COMMIT was sent around. */
  commits: { sent: number; acked: number }[];
  failures: Failure[];
  /** Asks the writers to stop once each has done at least `more` further iterations. */
  stop(more: number): Promise<void>;
  /** Resolves once every writer has done `n` iterations. */
  reached(n: number): Promise<void>;
  /** Stops the writers now (unless stop() already did); for finally blocks. */
  halt(): Promise<void>;
}

/** Starts one loop per client, each inserting pairs at the timestamps `when(w, i)` gives. */
function startWriters(clients: pg.Client[], rec: Recorder, when: (w: number, i: number) => string): WriterRun {
  const iterations = clients.map(() => 0);
  const commits: { sent: number; acked: number }[] = [];
  const failures: Failure[] = [];
  let stopAt: number[] | undefined;
  const loop = async (c: pg.Client, w: number) => {
    // A regression fails (and is counted) instead of hanging the suite.
    await c.query(`SET lock_timeout = '20s'`);
    for (let i = 0; !(stopAt && i >= stopAt[w]!); i++) {
      const sent = Date.now();
      try {
        await insertPair(c, when(w, i), `w${w}`, rec);
        commits.push({ sent, acked: Date.now() });
      } catch (err) {
        const e = err as { code?: string; message: string };
        failures.push({ who: `w${w}`, code: e.code, message: e.message });
      }
      iterations[w] = i + 1;
      if (failures.length > 100) break; // something is badly wrong: stop, the assertions will say
      if (i % 8 === 7) await sleep(1); // let the other clients' callbacks run
    }
  };
  const done = Promise.all(clients.map((c, w) => loop(c, w))).then(() => undefined);
  const reached = async (n: number) => {
    for (let spin = 0; spin < 6000 && iterations.some((k) => k < n); spin++) await sleep(5);
    assert.ok(iterations.every((k) => k >= n), `writers reached ${n} iterations: ${iterations}`);
  };
  return {
    done, iterations, commits, failures, reached,
    async stop(more: number) {
      stopAt = iterations.map((k) => k + more);
      await done;
    },
    async halt() {
      stopAt ??= iterations.map((k) => k);
      await done;
    },
  };
}

/** Polls pg_locks (relation locks of `pids`) every ~interval ms, tagging each sample with phase(). */
function startSampler(c: pg.Client, pids: number[], phase: () => string, intervalMs = 20) {
  const samples: Sample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const p0 = phase();
      let locks: Lock[];
      try {
        ({ rows: locks } = await c.query<Lock>(`
        SELECT l.pid, l.mode, l.granted, l.relation::oid::text AS oid, n.nspname::text AS nspname, r.relname::text AS relname
          FROM pg_locks l
          LEFT JOIN pg_class r ON r.oid = l.relation
          LEFT JOIN pg_namespace n ON n.oid = r.relnamespace
         WHERE l.locktype = 'relation' AND l.pid = ANY ($1::int[])
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [pids]));
      } catch {
        break; // the test is over (its clients closed): an assertion failed elsewhere
      }
      const p1 = phase();
      samples.push({ phase: p0 === p1 ? p0 : 'mixed', locks });
      await sleep(intervalMs);
    }
  })();
  return {
    samples,
    async stop(): Promise<Sample[]> {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

const isParent = (l: Lock) => l.nspname === 'public' && (l.relname === 'tweet' || l.relname === 'star');

/** Every tweet and star row, wherever it is: attached, archived, detached or filling. */
async function everyRow(c: pg.Client): Promise<{
  tweets: { id: string; created_at: Date; rel: string; user: string }[];
  stars: { id: string; tweet_id: string; tweet_created_at: Date; rel: string; user: string }[];
}> {
  const sources = async (model: string) => {
    const parent = model; // public.<model>
    const extra = await column<string>(c, `
      SELECT format('%I.%I', o.schema_name, o.table_name) FROM parting.offline o
       WHERE o.model = $1 AND o.state IN ('detached', 'filling')
         AND to_regclass(format('%I.%I', o.schema_name, o.table_name)) IS NOT NULL
       ORDER BY 1`, [model]);
    const archive = await scalar<string | null>(c, `SELECT to_regclass(format('archive.%I', $1::text))::text`, [model]);
    return [`public.${parent}`, ...(archive ? [`archive.${model}`] : []), ...extra];
  };
  const rel = `CASE WHEN n.nspname = 'public' THEN r.relname::text ELSE n.nspname || '.' || r.relname END`;
  const from = (src: string) => `FROM ${src} x JOIN pg_class r ON r.oid = x.tableoid JOIN pg_namespace n ON n.oid = r.relnamespace`;
  const tSql = (await sources('tweet')).map((s) => `SELECT x.id::text AS id, x.created_at, ${rel} AS rel, x."user" ${from(s)}`).join(' UNION ALL ');
  const sSql = (await sources('star')).map((s) => `SELECT x.id::text AS id, x.tweet_id::text AS tweet_id, x.tweet_created_at, ${rel} AS rel, x."user" ${from(s)}`).join(' UNION ALL ');
  return { tweets: await rows(c, tSql) as never, stars: await rows(c, sSql) as never };
}

/** The suffix of a partition table name: 'archive.tweet_2026_06' → '2026_06', 'star_default' → 'default'. */
const relSuffix = (rel: string) => rel.replace(/^.*\b(tweet|star)_/, '');

/**
 * Rows versus what the writers recorded: each committed row exactly once, nothing else
 * (of the users given), each star in the same-suffix partition as its tweet.
 */
function checkRows(found: Awaited<ReturnType<typeof everyRow>>, rec: Recorder, users: (u: string) => boolean): void {
  const tweets = found.tweets.filter((t) => users(t.user));
  const stars = found.stars.filter((s) => users(s.user));
  const seenT = new Map<string, { created_at: string; rel: string; n: number }>();
  for (const t of tweets) {
    const prev = seenT.get(t.id);
    seenT.set(t.id, { created_at: t.created_at.toISOString(), rel: t.rel, n: (prev?.n ?? 0) + 1 });
  }
  const twice = [...seenT].filter(([, v]) => v.n > 1).map(([id, v]) => `${id}×${v.n}`);
  assert.equal(twice, [], 'no tweet found twice');
  const missing = [...rec.tweets.keys()].filter((id) => !seenT.has(id));
  assert.equal(missing, [], 'no committed tweet missing');
  const extra = [...seenT.keys()].filter((id) => !rec.tweets.has(id));
  assert.equal(extra, [], 'no tweet that was not committed');
  const moved = [...rec.tweets].filter(([id, ts]) => seenT.get(id)!.created_at !== ts);
  assert.equal(moved, [], 'created_at unchanged');

  const seenS = new Map<string, number>();
  for (const s of stars) seenS.set(s.id, (seenS.get(s.id) ?? 0) + 1);
  assert.equal([...seenS].filter(([, n]) => n > 1), [], 'no star found twice');
  assert.equal([...rec.stars.keys()].filter((id) => !seenS.has(id)), [], 'no committed star missing');
  assert.equal([...seenS.keys()].filter((id) => !rec.stars.has(id)), [], 'no star that was not committed');
  const orphans = stars.filter((s) => {
    const t = seenT.get(s.tweet_id);
    return !t || t.created_at !== s.tweet_created_at.toISOString() || relSuffix(t.rel) !== relSuffix(s.rel);
  });
  assert.equal(orphans.map((s) => `${s.id}@${s.rel}`), [], 'every star sits with its tweet, in the same-suffix partition');
  assert.is(tweets.length, rec.tweets.size);
  assert.is(stars.length, rec.stars.size);
}

interface Family {
  tables: string[];
  unknown: string[];
  halfFamilies: string[];
  missingFk: string[];
  attachedTweets: { partition: string; lower: string; upper: string }[];
}

/**
 * The catalog against parting.partitions(): every tweet_X / star_X table (public or
 * archive) is a known partition (attached, or detached/archived/filling in
 * parting.offline); every tweet_X has its star_X and every star_X has its validated
 * partition foreign key to the same schema's tweet_X.
 */
async function family(c: pg.Client): Promise<Family> {
  const tables = await column<string>(c, `
    SELECT n.nspname || '.' || r.relname FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
     WHERE r.relkind IN ('r', 'p') AND n.nspname IN ('public', 'archive') AND r.relname ~ '^(tweet|star)_'
     ORDER BY 1`);
  const known = new Set(await column<string>(c, `
    SELECT n.nspname || '.' || r.relname FROM parting.partitions() p
      JOIN pg_class r ON r.oid = p.partition JOIN pg_namespace n ON n.oid = r.relnamespace`));
  const unknown = tables.filter((t) => !known.has(t));
  const set = new Set(tables);
  const halfFamilies: string[] = [];
  for (const t of tables) {
    const other = t.includes('.tweet_') ? t.replace('.tweet_', '.star_') : t.replace('.star_', '.tweet_');
    if (!set.has(other)) halfFamilies.push(`${t} without ${other}`);
  }
  const missingFk = await column<string>(c, `
    SELECT n.nspname || '.' || s.relname FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
     WHERE s.relkind = 'r' AND n.nspname IN ('public', 'archive') AND s.relname ~ '^star_'
       AND NOT EXISTS (SELECT FROM pg_constraint k JOIN pg_class t ON t.oid = k.confrelid
                        WHERE k.conrelid = s.oid AND k.contype = 'f' AND k.convalidated
                          AND t.relnamespace = s.relnamespace AND t.relname = 'tweet_' || substr(s.relname, 6))
     ORDER BY 1`);
  const attachedTweets = await rows<{ partition: string; lower: string; upper: string }>(c, `
    SELECT partition::text, lower, upper FROM parting.partitions('tweet')
     WHERE state = 'attached' AND NOT is_default ORDER BY lower::timestamptz`);
  return { tables, unknown, halfFamilies, missingFk, attachedTweets };
}

function assertConsistent(f: Family, what: string): void {
  assert.equal(f.unknown, [], `${what}: no tweet_/star_ table outside parting.partitions()`);
  assert.equal(f.halfFamilies, [], `${what}: no half family`);
  assert.equal(f.missingFk, [], `${what}: every star partition has its FK to the same-suffix tweet partition`);
}

/** Attached month partitions follow each other with no gap. */
function assertContiguous(f: Family, what: string): void {
  for (let i = 1; i < f.attachedTweets.length; i++) {
    assert.is(f.attachedTweets[i]!.lower, f.attachedTweets[i - 1]!.upper,
      `${what}: ${f.attachedTweets[i - 1]!.partition} is followed by ${f.attachedTweets[i]!.partition}`);
  }
}

async function history(c: pg.Client): Promise<{ id: string; model: string; partition: string | null; action: string; detail: Record<string, unknown> | null }[]> {
  return rows(c, `SELECT id::text, model, partition, action, detail FROM parting.history ORDER BY id`);
}

const Concurrency = suite('maintenance under concurrency');

// ---------------------------------------------------------------------------------------
// 1a. Creation only, no default partition.

Concurrency('1a: creating partitions while four writers write: only SHARE UPDATE EXCLUSIVE on the parents, no row lost', async () => {
  const db: FreshDatabase = await logged('1a setup', () => installed('mc_create', config({ default: false })));
  try {
    const c = db.client;
    const cur = await monthKey(c, 0);
    const next = await monthKey(c, 1);
    await c.query(`SELECT parting.ensure_partition('tweet')`); // current and premake 2 ahead
    const writersParts = [cur, next].flatMap((k) => [`tweet_${suffixOf(k)}`, `star_${suffixOf(k)}`]);

    await withClients(db.url, 6, async (clients) => {
      const writers = clients.slice(0, 4);
      const maint = clients[4]!;
      const observer = clients[5]!;
      const maintPid = await pidOf(maint);
      let phase = 'warmup';
      const rec = newRecorder();
      const w = startWriters(writers, rec, (wi, i) => at([cur, next][(wi + i) % 2]!, i * 4 + wi));
      // Sampled every ~5 ms here: a family's SHARE UPDATE EXCLUSIVE is held only from its
      // ATTACH to its COMMIT, and this test must catch one to prove the sampler sees it.
      const sampler = startSampler(observer, [maintPid], () => phase, 5);
      try {
        const sawSue = () => sampler.samples.some((s) => s.phase === 'create' && s.locks.some(
          (l) => l.pid === maintPid && isParent(l) && l.mode === 'ShareUpdateExclusiveLock' && l.granted));

        await w.reached(10);
        phase = 'create';
        let rounds = 0;
        const callErrors: string[] = [];
        // Raise premake and run, until the sampler has caught a creation in the act.
        for (; rounds < 40 && (rounds < 3 || !sawSue()); rounds++) {
          await maint.query(`UPDATE parting.config SET premake = premake + 3 WHERE model = 'tweet'`);
          await maint.query(`CALL parting.run_maintenance('tweet')`).catch((e: Error) => callErrors.push(e.message));
        }
        phase = 'cooldown';
        await w.stop(10);
        const samples = await sampler.stop();

        const during = samples.filter((s) => s.phase === 'create');
        const mine = during.flatMap((s) => s.locks.filter((l) => l.pid === maintPid));
        const onParents = mine.filter(isParent);
        const modes = [...new Set(onParents.map((l) => l.mode))].sort();
        const sueSamples = during.filter((s) => s.locks.some((l) => l.pid === maintPid && isParent(l) && l.mode === 'ShareUpdateExclusiveLock')).length;
        const premake = Number(await scalar(c, `SELECT premake FROM parting.config WHERE model = 'tweet'`));
        const hist = await history(c);
        console.log(`  1a: ${rec.tweets.size} pairs committed, ${w.failures.length} failed, ${rounds} maintenance rounds (premake 2 → ${premake}), `
          + `${samples.length} lock samples (${during.length} during creation, ${sueSamples} with SHARE UPDATE EXCLUSIVE on a parent), `
          + `maintenance modes on parents: ${modes.join(', ')}`);

        assert.equal(callErrors, []);
        assert.equal(w.failures, []);
        assert.ok(sawSue(), 'the sampler saw the maintenance backend hold SHARE UPDATE EXCLUSIVE on a parent (it works)');
        assert.equal(onParents.filter((l) => l.mode === 'AccessExclusiveLock'), [], 'no ACCESS EXCLUSIVE on tweet/star from maintenance');
        assert.equal(onParents.filter((l) => l.mode === 'ExclusiveLock'), [], 'no EXCLUSIVE on tweet/star from maintenance (there is no default partition)');
        assert.equal(onParents.filter((l) => !['AccessShareLock', 'ShareUpdateExclusiveLock'].includes(l.mode)), []);
        // The partitions the writers use: at most ACCESS SHARE (sizes read by the plan).
        assert.equal(mine.filter((l) => writersParts.includes(l.relname ?? '') && l.mode !== 'AccessShareLock'), []);
        assert.equal(mine.filter((l) => !l.granted), [], 'maintenance never waited for a lock');

        checkRows(await everyRow(c), rec, (u) => u.startsWith('w'));
        const f = await family(c);
        assertConsistent(f, '1a');
        assertContiguous(f, '1a');
        assert.is(f.attachedTweets.length, premake + 1, 'current month and premake ahead');
        assert.is(f.attachedTweets[0]!.partition, `tweet_${suffixOf(cur)}`);
        assert.equal(hist.filter((h) => h.action === 'failed' || h.action === 'skipped'), []);
        // ensure_partition made current .. +2, the runs the rest: one 'created' row per table.
        assert.is(hist.filter((h) => h.action === 'created').length, 2 * (premake + 1));
        assert.is(hist.filter((h) => h.action === 'maintained').length, rounds);
      } finally {
        await w.halt();
        await sampler.stop();
      }
    });
  } finally {
    await db.drop();
  }
});

// ---------------------------------------------------------------------------------------
// 1b. Default partition (batched drain while writers write into it) and archiving.

Concurrency('1b: writers during drain and archive: every row exactly once, star with tweet, no ACCESS EXCLUSIVE outside retire, no deadlock', async () => {
  const db = await logged('1b setup', () => installed('mc_drain_archive',
    config({ default: true, retention: { keep: '2 months', action: 'archive' } })));
  try {
    const c = db.client;
    const [old5, old4, cur, next, plus4] = await months(c, [-5, -4, 0, 1, 4]);
    const s4 = suffixOf(plus4!);
    const rec = newRecorder();
    for (const k of [old5!, old4!]) await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [k]);
    await c.query(`SELECT parting.ensure_partition('tweet')`); // current, +1, +2
    for (let i = 0; i < 10; i++) for (const k of [old5!, old4!]) await insertPair(c, at(k, i), 'setup', rec);
    // Retention waits for the 'retire' phase; batches of 10 so the +4 drain takes several
    // transactions while writers keep adding +4 rows to the default partition.
    const keep = await scalar<string>(c, `SELECT retention_keep FROM parting.config WHERE model = 'tweet'`);
    await c.query(`UPDATE parting.config SET retention_keep = NULL, drain_batch = 10 WHERE model = 'tweet'`);

    await withClients(db.url, 6, async (clients) => {
      const writers = clients.slice(0, 4);
      const maint = clients[4]!;
      const observer = clients[5]!;
      const maintPid = await pidOf(maint);
      const writerPids = await Promise.all(writers.map(pidOf));
      let phase = 'warmup';
      const WARMUP = 30;
      const warm = [old5!, old4!, cur!, next!, plus4!, plus4!];
      const live = [cur!, next!, plus4!];
      const w = startWriters(writers, rec, (wi, i) =>
        at(i < WARMUP ? warm[(wi + i) % warm.length]! : live[(wi + i) % live.length]!, i * 4 + wi));
      const sampler = startSampler(observer, [maintPid, ...writerPids], () => phase);
      try {

        // Old months get rows only during the warm-up: writes to a detached month would fail.
        await w.reached(WARMUP);
        const waitingBefore = Number(await scalar(c, `SELECT count(*) FROM tweet_default`));
        const callErrors: Failure[] = [];
        const call = () => maint.query(`CALL parting.run_maintenance('tweet')`).catch((e: { code?: string; message: string }) => {
          callErrors.push({ who: 'maintenance', code: e.code, message: e.message });
        });

        phase = 'create';
        for (let r = 0; r < 4; r++) { // premake 3, 4 (drains +4), 5, 6
          await maint.query(`UPDATE parting.config SET premake = premake + 1 WHERE model = 'tweet'`);
          await call();
        }
        phase = 'retire';
        await maint.query(`UPDATE parting.config SET retention_keep = $1 WHERE model = 'tweet'`, [keep]);
        await call();
        phase = 'cooldown';
        await w.stop(20);
        const samples = await sampler.stop();

        const hist = await history(c);
        const byPhase = (p: string) => samples.filter((s) => s.phase === p);
        const maintParent = (p: string, mode: string) => byPhase(p).filter((s) => s.locks.some((l) => l.pid === maintPid && isParent(l) && l.mode === mode));
        const aeOutsideRetire = samples.filter((s) => s.phase !== 'retire' && s.phase !== 'mixed')
          .flatMap((s) => s.locks.filter((l) => l.pid === maintPid && isParent(l) && l.mode === 'AccessExclusiveLock'));
        const batches = hist.filter((h) => h.action === 'moved' && h.partition === `tweet_${s4}`);
        const unattachedBatches = batches.filter((h) => h.detail?.attached === false);
        const writerWaits = samples.reduce((n, s) => n + s.locks.filter((l) => l.pid !== maintPid && !l.granted).length, 0);
        console.log(`  1b: ${rec.tweets.size} pairs committed (${rec.tweets.size - 20} by writers), ${w.failures.length} failed, `
          + `${waitingBefore} rows waiting in tweet_default before the drain, ${unattachedBatches.length} unattached drain batches of tweet_${s4} `
          + `(moved ${unattachedBatches.reduce((n, h) => n + Number((h.detail?.rows as Record<string, number>)?.tweet ?? 0), 0)} tweets), `
          + `${samples.length} lock samples (create ${byPhase('create').length}, retire ${byPhase('retire').length}), `
          + `maintenance EXCLUSIVE on a parent in ${maintParent('create', 'ExclusiveLock').length} create samples, `
          + `ACCESS EXCLUSIVE on a parent in ${maintParent('retire', 'AccessExclusiveLock').length} retire samples, `
          + `${writerWaits} ungranted writer lock requests seen`);

        // No failure, no deadlock, anywhere.
        assert.equal(w.failures, []);
        assert.equal(callErrors, []);
        assert.equal(hist.filter((h) => h.action === 'failed' || h.action === 'skipped'), []);
        assert.equal(hist.filter((h) => h.detail?.sqlstate === '40P01'), []);
        // Maintenance took ACCESS EXCLUSIVE on tweet/star only while retiring.
        assert.equal(aeOutsideRetire, [], 'no ACCESS EXCLUSIVE on tweet/star from maintenance outside the retire phase');
        // The drain really ran in batches while writers wrote into the default partition.
        assert.ok(waitingBefore > 10, `more than one batch waiting: ${waitingBefore}`);
        assert.ok(unattachedBatches.length >= 1, 'at least one batch moved before the attach');
        assert.is(hist.filter((h) => h.action === 'created' && h.partition === `tweet_${s4}`).length, 1);

        // Every committed row exactly once, each star with its tweet in the same-suffix table.
        const found = await everyRow(c);
        checkRows(found, rec, () => true);
        // +4 exists and holds its rows; nothing is left in the default partitions.
        const plus4Rels = [...new Set(found.tweets.filter((t) => t.created_at.toISOString().startsWith(plus4!)).map((t) => t.rel))];
        assert.equal(plus4Rels, [`tweet_${s4}`]);
        assert.is(Number(await scalar(c, `SELECT count(*) FROM tweet_default`)), 0);
        assert.is(Number(await scalar(c, `SELECT count(*) FROM star_default`)), 0);
        // The old months are archived, their rows in archive.tweet / archive.star.
        const states = await rows<{ partition: string; state: string }>(c, `
          SELECT partition::text, state FROM parting.partitions() WHERE key IN ($1, $2) ORDER BY model DESC, key`,
          [suffixOf(old5!), suffixOf(old4!)]);
        assert.equal(states, [
          { partition: `archive.tweet_${suffixOf(old5!)}`, state: 'archived' },
          { partition: `archive.tweet_${suffixOf(old4!)}`, state: 'archived' },
          { partition: `archive.star_${suffixOf(old5!)}`, state: 'archived' },
          { partition: `archive.star_${suffixOf(old4!)}`, state: 'archived' },
        ]);
        const oldRows = [...rec.tweets.values()].filter((ts) => ts.startsWith(old5!) || ts.startsWith(old4!)).length;
        assert.is(Number(await scalar(c, `SELECT count(*) FROM archive.tweet`)), oldRows);
        assert.is(Number(await scalar(c, `SELECT count(*) FROM archive.star`)), oldRows);
        // Detached star before tweet, each family under one lock set.
        const detached = hist.filter((h) => h.action === 'detached').map((h) => h.partition);
        assert.equal(detached, [`star_${suffixOf(old5!)}`, `tweet_${suffixOf(old5!)}`, `star_${suffixOf(old4!)}`, `tweet_${suffixOf(old4!)}`]);

        const f = await family(c);
        assertConsistent(f, '1b');
        assertContiguous(f, '1b');
        assert.equal(f.attachedTweets.map((t) => t.partition),
          (await months(c, [0, 1, 2, 3, 4, 5, 6])).map((k) => `tweet_${suffixOf(k)}`));
        assert.is(Number(await scalar(c, `SELECT count(*) FROM parting.offline WHERE state <> 'archived'`)), 0);
      } finally {
        await w.halt();
        await sampler.stop();
      }
    });
  } finally {
    await db.drop();
  }
});

// ---------------------------------------------------------------------------------------
// 2. A long reader of an old partition: retire is skipped without queueing.

Concurrency('2: a long transaction on an old partition: retire skipped (55P03) without asking for ACCESS EXCLUSIVE, writers go on; then detached', async () => {
  const db = await logged('2 setup', () => installed('mc_lockqueue',
    config({ default: false, retention: { keep: '2 months', action: 'detach' } })));
  try {
    const c = db.client;
    const [old5, cur, next] = await months(c, [-5, 0, 1]);
    const so = suffixOf(old5!);
    const rec = newRecorder();
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [old5]);
    await c.query(`SELECT parting.ensure_partition('tweet')`);
    for (let i = 0; i < 10; i++) await insertPair(c, at(old5!, i), 'setup', rec);
    await c.query(`UPDATE parting.config SET lock_timeout = '200ms', lock_tries = 4 WHERE model = 'tweet'`);

    await withClients(db.url, 7, async (clients) => {
      const writers = clients.slice(0, 4);
      const maint = clients[4]!;
      const observer = clients[5]!;
      const holder = clients[6]!;
      const maintPid = await pidOf(maint);
      const holderPid = await pidOf(holder);
      let phase = 'before';
      const w = startWriters(writers, rec, (wi, i) => at([cur!, next!][(wi + i) % 2]!, i * 4 + wi));
      const sampler = startSampler(observer, [maintPid, holderPid], () => phase);
      try {
        await w.reached(5);

        await holder.query('BEGIN');
        // A reader of the old month, through the parent (ACCESS SHARE on tweet and, pruned,
        // on tweet_<old> only) and directly.
        const [nextOld] = await months(c, [-4]);
        assert.is(Number(await scalar(holder, `SELECT count(*) FROM tweet WHERE created_at >= $1 AND created_at < $2`,
          [`${old5}-01 00:00+00`, `${nextOld}-01 00:00+00`])), 10);
        assert.is(Number(await scalar(holder, `SELECT count(*) FROM tweet_${so}`)), 10);
        // Wait (server clock) until the reader's transaction is older than twice lock_timeout.
        for (let spin = 0; spin < 500; spin++) {
          const old = await scalar<boolean>(observer, `SELECT xact_start < clock_timestamp() - interval '400ms' FROM pg_stat_activity WHERE pid = $1`, [holderPid]);
          if (old) break;
          await sleep(20);
        }

        phase = 'maintenance';
        const commitsBefore = w.commits.length;
        const started = Date.now();
        await maint.query(`CALL parting.run_maintenance('tweet')`);
        const ended = Date.now();
        phase = 'after';
        const duringJs = w.commits.filter((k) => k.sent >= started && k.acked <= ended).length;
        const samplesDuring = sampler.samples.filter((s) => s.phase === 'maintenance');

        const skipped = await rows<{ partition: string; detail: Record<string, string>; started: Date; at: Date }>(c, `
          SELECT partition, detail, at - duration AS started, at FROM parting.history WHERE action = 'skipped' ORDER BY id`);
        const stillAttached = await column<string>(c, `SELECT partition::text FROM parting.partitions() WHERE key = $1 AND state = 'attached' ORDER BY 1`, [so]);
        // Server-side: writer rows inserted while the skipped step was trying for its locks.
        const duringServer = skipped.length === 0 ? 0 : Number(await scalar(c, `
          SELECT count(*) FROM tweet WHERE "user" LIKE 'w%' AND (json->>'at')::timestamptz BETWEEN $1 AND $2`,
          [skipped[0]!.started, skipped[0]!.at]));

        const mineDuring = samplesDuring.flatMap((s) => s.locks.filter((l) => l.pid === maintPid));
        const aeRequests = mineDuring.filter((l) => l.mode === 'AccessExclusiveLock');
        const holds = (s: Sample, rel: string) => s.locks.some((l) => l.pid === holderPid && l.nspname === 'public' && l.relname === rel && l.mode === 'AccessShareLock' && l.granted);
        const holderSeen = samplesDuring.filter((s) => holds(s, `tweet_${so}`) && holds(s, 'tweet')).length;
        const holderOther = samplesDuring.flatMap((s) => s.locks.filter((l) => l.pid === holderPid && /^(tweet|star)_(\d{4}_\d{2}|default)$/.test(l.relname ?? '') && l.relname !== `tweet_${so}`));
        console.log(`  2: skipped ${JSON.stringify(skipped.map((s) => ({ partition: s.partition, ...s.detail })))}; `
          + `${duringJs} writer commits during the call (JS), ${duringServer} writer inserts inside the skipped step (server clock), `
          + `${samplesDuring.length} lock samples during it (${holderSeen} show the reader's ACCESS SHARE on tweet and tweet_${so}), `
          + `${aeRequests.length} ACCESS EXCLUSIVE locks/requests from maintenance`);

        assert.is(skipped.length, 1, 'one skipped step');
        assert.is(skipped[0]!.detail.sqlstate, '55P03');
        assert.is(skipped[0]!.detail.step, 'retire');
        assert.ok([so, `tweet_${so}`].includes(skipped[0]!.partition), `skipped row names the partition: ${skipped[0]!.partition}`);
        assert.ok(skipped[0]!.detail.error!.includes(`pid ${holderPid}`) || skipped[0]!.detail.error!.includes('lock_timeout'),
          skipped[0]!.detail.error);
        assert.equal(stillAttached, [`star_${so}`, `tweet_${so}`]);
        assert.ok(holderSeen > 0, 'the sampler saw the reader hold ACCESS SHARE on tweet and its old partition while maintenance ran');
        assert.equal(holderOther, [], 'the reader holds nothing on the writers\' partitions');
        assert.equal(aeRequests, [], 'maintenance never asked for ACCESS EXCLUSIVE while the reader was older than lock_timeout');
        assert.equal(mineDuring.filter((l) => !l.granted), [], 'maintenance never queued for a lock');
        assert.ok(duringServer > 0, 'writers inserted while maintenance was trying');
        assert.equal(w.failures, []);
        assert.is(w.commits.length > commitsBefore, true);

        // The reader ends: the next run detaches the family.
        await holder.query('COMMIT');
        phase = 'second';
        await maint.query(`CALL parting.run_maintenance('tweet')`);
        phase = 'done';
        await w.stop(10);
        await sampler.stop();
        const states = await rows(c, `SELECT partition::text, state FROM parting.partitions() WHERE key = $1 ORDER BY 1`, [so]);
        assert.equal(states, [{ partition: `star_${so}`, state: 'detached' }, { partition: `tweet_${so}`, state: 'detached' }]);
        const hist = await history(c);
        assert.equal(hist.filter((h) => h.action === 'failed'), []);
        assert.equal(hist.filter((h) => h.action === 'detached').map((h) => h.partition), [`star_${so}`, `tweet_${so}`]);
        assert.equal(w.failures, []);
        checkRows(await everyRow(c), rec, () => true);
        assertConsistent(await family(c), '2');
      } finally {
        await w.halt();
        await sampler.stop();
      }
    });
  } finally {
    await db.drop();
  }
});

// ---------------------------------------------------------------------------------------
// 3. The maintenance backend is terminated mid-step.

/** Starts run_maintenance on a new connection, waits until `ready` holds and the backend waits on a lock, then terminates it. */
async function terminateMidRun(url: string, observer: pg.Client, ready: () => Promise<boolean>): Promise<{ error: { code?: string; message: string } | undefined; pid: number }> {
  const m = newClient(url);
  await m.connect();
  const pid = await pidOf(m);
  let error: { code?: string; message: string } | undefined;
  const call = m.query(`CALL parting.run_maintenance('tweet')`).then(() => undefined, (e: { code?: string; message: string }) => { error = e; });
  let caught = false;
  for (let spin = 0; spin < 1000 && !caught; spin++) {
    caught = (await ready()) && Number(await scalar(observer, `SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted`, [pid])) > 0;
    if (!caught) await sleep(10);
  }
  if (!caught) {
    console.error('not caught:', JSON.stringify(await rows(observer, `SELECT id, partition, action, detail FROM parting.history ORDER BY id`)),
      JSON.stringify(await rows(observer, `SELECT locktype, relation::regclass::text, mode, granted FROM pg_locks WHERE pid = $1`, [pid])),
      JSON.stringify(await rows(observer, `SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE pid = $1`, [pid])));
  }
  assert.ok(caught, 'maintenance got some steps done, then waited');
  assert.is(await scalar(observer, `SELECT pg_terminate_backend($1)`, [pid]), true);
  await call;
  await m.end().catch(() => {});
  // The backend is gone (its transaction rolled back) before anyone looks.
  for (let spin = 0; spin < 1000; spin++) {
    if (Number(await scalar(observer, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, [pid])) === 0) break;
    await sleep(10);
  }
  return { error, pid };
}

Concurrency('3a: maintenance terminated during a catch-up: no half family, no stray table; the next run fills every month', async () => {
  const db = await logged('3a setup', () => installed('mc_kill_catchup', config({ default: false })));
  try {
    const c = db.client;
    const start = await monthKey(c, -24);
    const blockAt = await monthKey(c, -20);
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [start]);
    await withClients(db.url, 2, async ([observer, blocker]) => {
      // An uncommitted table named like the star partition of month -20: the run makes
      // tweet_<-20> and then waits creating star_<-20>, in the middle of the family.
      await blocker!.query('BEGIN');
      await blocker!.query(`CREATE TABLE public.star_${suffixOf(blockAt)} (x int)`);
      const { error } = await terminateMidRun(db.url, observer!, async () =>
        Number(await scalar(observer!, `SELECT count(*) FROM parting.history WHERE action = 'created'`)) >= 6);
      await blocker!.query('ROLLBACK');

      const created = Number(await scalar(c, `SELECT count(*) FROM parting.history WHERE action = 'created'`));
      const f = await family(c);
      console.log(`  3a: terminated after ${created / 2} families (error ${error?.code ?? '-'}: ${error?.message}); `
        + `${f.attachedTweets.length} tweet partitions attached, ${f.tables.length} tweet_/star_ tables`);
      assert.ok(error, 'the terminated call errors');
      assert.ok(error!.code === '57P01' || /terminat/i.test(error!.message), error!.message);
      assertConsistent(f, '3a after the kill');
      assertContiguous(f, '3a after the kill');
      assert.is(f.attachedTweets.length, 4, 'months -24 .. -21 (the family of -20 was rolled back)');
      assert.is(f.tables.length, 8);
      assert.is(Number(await scalar(c, `SELECT count(*) FROM parting.offline`)), 0);
      assert.equal(await column(c, `SELECT to_regclass($1)::text`, [`tweet_${suffixOf(blockAt)}`]), [null]);

      await observer!.query(`CALL parting.run_maintenance('tweet')`);
      const g = await family(c);
      assertConsistent(g, '3a after the next run');
      assertContiguous(g, '3a after the next run');
      assert.is(g.attachedTweets.length, 27, 'months -24 .. +2');
      assert.is(g.attachedTweets[0]!.partition, `tweet_${suffixOf(start)}`);
      assert.is(g.attachedTweets[26]!.partition, `tweet_${suffixOf(await monthKey(c, 2))}`);
      assert.is(Number(await scalar(c, `SELECT count(*) FROM parting.offline`)), 0);
      assert.equal(await column(c, `SELECT count(*)::int FROM parting.history WHERE action IN ('failed', 'skipped')`), [0]);
    });
  } finally {
    await db.drop();
  }
});

Concurrency('3b: maintenance terminated during a batched drain: no row lost or doubled; the next run attaches and empties the default', async () => {
  const db = await logged('3b setup', () => installed('mc_kill_drain', config({ default: true })));
  try {
    const c = db.client;
    const plus4 = await monthKey(c, 4);
    const s4 = suffixOf(plus4);
    // current .. +3: the run's only step is +4, whose rows wait in the default partition.
    // (Were +3 planned too, its ATTACH would want ACCESS EXCLUSIVE on tweet_default, which
    // the blocker's row lock below holds off: that step would be skipped, and with it +4.)
    await c.query(`SELECT parting.ensure_partition('tweet')`);
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [await monthKey(c, 3)]);
    await c.query(`
      WITH t AS (INSERT INTO tweet (json, "user", created_at)
                 SELECT '{}', 'bulk', $1::timestamptz + make_interval(secs => g) FROM generate_series(1, 2000) g
                 RETURNING id, created_at)
      INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'bulk', id, created_at FROM t`, [`${plus4}-01 00:00+00`]);
    const rec = newRecorder();
    for (const r of await rows<{ id: string; created_at: Date }>(c, `SELECT id::text, created_at FROM tweet`)) rec.tweets.set(r.id, r.created_at.toISOString());
    for (const r of await rows<{ id: string; tweet_id: string; tweet_created_at: Date }>(c, `SELECT id::text, tweet_id::text, tweet_created_at FROM star`)) {
      rec.stars.set(r.id, `${r.tweet_id}|${r.tweet_created_at.toISOString()}`);
    }
    await c.query(`UPDATE parting.config SET premake = 4, drain_batch = 50 WHERE model = 'tweet'`);

    await withClients(db.url, 2, async ([observer, blocker]) => {
      // A row lock on the 601st row: the 13th batch waits for it.
      await blocker!.query('BEGIN');
      // (Not `ORDER BY … OFFSET 600 LIMIT 1 FOR UPDATE`: that locks the 600 rows skipped too.)
      const locked = await rows(blocker!, `
        SELECT id FROM tweet_default
         WHERE id = (SELECT id FROM tweet_default ORDER BY created_at OFFSET 600 LIMIT 1) FOR UPDATE`);
      assert.is(locked.length, 1);
      const { error } = await terminateMidRun(db.url, observer!, async () =>
        Number(await scalar(observer!, `SELECT count(*) FROM parting.history WHERE action = 'moved'`)) >= 3);
      await blocker!.query('ROLLBACK');

      const moved = await rows<{ tweet: number; star: number }>(c, `
        SELECT (detail->'rows'->>'tweet')::int AS tweet, (detail->'rows'->>'star')::int AS star
          FROM parting.history WHERE action = 'moved' ORDER BY id`);
      const offline = await rows(c, `SELECT model, table_name, state FROM parting.offline ORDER BY model DESC`);
      const found = await everyRow(c);
      const f = await family(c);
      const inDefault = found.tweets.filter((t) => t.rel === 'tweet_default').length;
      console.log(`  3b: terminated after ${moved.length} batches (${moved.reduce((n, m) => n + m.tweet, 0)} tweets, `
        + `${moved.reduce((n, m) => n + m.star, 0)} stars moved; error ${error?.code ?? '-'}: ${error?.message}); `
        + `${inDefault} tweets still in tweet_default, ${found.tweets.length - inDefault} in tweet_${s4} (filling)`);
      assert.ok(error, 'the terminated call errors');
      assert.ok(error!.code === '57P01' || /terminat/i.test(error!.message), error!.message);
      assert.is(moved.length, 12, 'twelve batches of 50 committed before the 13th waited');
      assert.equal(moved.map((m) => [m.tweet, m.star]), Array.from({ length: 12 }, () => [50, 50]));
      assert.equal(offline, [
        { model: 'tweet', table_name: `tweet_${s4}`, state: 'filling' },
        { model: 'star', table_name: `star_${s4}`, state: 'filling' },
      ]);
      checkRows(found, rec, () => true);
      assert.is(inDefault, 2000 - 600);
      assertConsistent(f, '3b after the kill');
      assertContiguous(f, '3b after the kill');

      await observer!.query(`CALL parting.run_maintenance('tweet')`);
      const after = await everyRow(c);
      checkRows(after, rec, () => true);
      assert.equal([...new Set(after.tweets.map((t) => t.rel))], [`tweet_${s4}`]);
      assert.equal([...new Set(after.stars.map((t) => t.rel))], [`star_${s4}`]);
      const g = await family(c);
      assertConsistent(g, '3b after the next run');
      assertContiguous(g, '3b after the next run');
      assert.equal(g.attachedTweets.map((t) => t.partition),
        (await months(c, [0, 1, 2, 3, 4])).map((k) => `tweet_${suffixOf(k)}`));
      assert.is(Number(await scalar(c, `SELECT count(*) FROM tweet_default`)), 0);
      assert.is(Number(await scalar(c, `SELECT count(*) FROM star_default`)), 0);
      assert.is(Number(await scalar(c, `SELECT count(*) FROM parting.offline`)), 0);
      assert.equal(await column(c, `SELECT count(*)::int FROM parting.history WHERE action IN ('failed', 'skipped')`), [0]);
    });
  } finally {
    await db.drop();
  }
});

Concurrency.run();
