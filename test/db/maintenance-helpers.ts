// Shared pieces of the maintenance tests: a suite per installed config, the tweet/star rows
// they insert, the parting.history lines they compare, catalog probes, and, for the tests
// under load, writers that record what they committed, a pg_locks sampler, and the checks
// that every committed row is found exactly once and that every family is whole.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { serverVersionNum, type FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, logged, rows, scalar, type Month } from './helpers.js';
import { until } from './wait.js';

// ── suites and configs ─────────────────────────────────────────────────────

export type DbContext = { db?: FreshDatabase };

/** Makes a suite whose before() installs `config` into a fresh database (and after() drops it). */
export function dbSuite(name: string, prefix: string, config: ConfigInput, setup?: (c: pg.Client) => Promise<void>) {
  const s = suite<DbContext>(name, {});
  s.before(async (ctx) => {
    await logged(`${name}: install`, async () => {
      ctx.db = await installed(prefix, config);
      if (setup) await setup(ctx.db.client);
    });
  });
  s.after(async (ctx) => ctx.db?.drop());
  return s;
}

/** A copy of a tweet/star config with retention on tweet. */
export function withRetention(base: ConfigInput, keep: string | number, action: 'detach' | 'archive' | 'drop'): ConfigInput {
  const cfg = structuredClone(base) as ConfigInput & { models: Record<string, { partition?: Record<string, unknown> }> };
  cfg.models.tweet!.partition!.retention = { keep, action };
  return cfg;
}

// ── rows and calls ─────────────────────────────────────────────────────────

/** Inserts n tweets in the month (one minute apart, from the 2nd) and one star for each. */
export async function insertPairs(c: pg.Client, m: Month, n: number, who = 'u'): Promise<void> {
  await c.query(`
    WITH t AS (
      INSERT INTO tweet (json, "user", created_at)
      SELECT '{}', $2 || g, $1::timestamptz + g * interval '1 minute' FROM generate_series(1, $3::int) g
      RETURNING id, created_at)
    INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT $2, id, created_at FROM t`,
  [m.at(2), who, n]);
}

/** CALL parting.run_maintenance(), for every model or for one. */
export async function call(c: pg.Client, model?: string): Promise<void> {
  if (model === undefined) await c.query('CALL parting.run_maintenance()');
  else await c.query('CALL parting.run_maintenance($1)', [model]);
}

/** detach_partition('tweet', key[, action]): the partitions it detached, as regclass text. */
export function detach(c: pg.Client, key: string, action?: string): Promise<string[]> {
  return action === undefined
    ? column<string>(c, `SELECT p::text FROM parting.detach_partition('tweet', $1) p`, [key])
    : column<string>(c, `SELECT p::text FROM parting.detach_partition('tweet', $1, $2) p`, [key, action]);
}

/** attach_partition('tweet', key): the partitions it attached. */
export function attach(c: pg.Client, key: string): Promise<string[]> {
  return column<string>(c, `SELECT p::text FROM parting.attach_partition('tweet', $1) p`, [key]);
}

// ── parting.history ────────────────────────────────────────────────────────

export interface Hist {
  model: string;
  partition: string | null;
  action: string;
  detail: Record<string, unknown> | null;
}

/** The id of the newest history row (0 if none): pass it to historySince. */
export async function lastHistoryId(c: pg.Client): Promise<number> {
  return Number(await scalar(c, 'SELECT coalesce(max(id), 0) FROM parting.history'));
}

/** History rows after id `since` (0: all of them), in order. */
export function historySince(c: pg.Client, since: number): Promise<Hist[]> {
  return rows<Hist>(c, `SELECT model, partition, action, detail FROM parting.history WHERE id > $1 ORDER BY id`, [since]);
}

/** What maintenance wrote, in order: every history row but the installs' own ('reconciled'). */
export function maintenanceHistory(c: pg.Client): Promise<Hist[]> {
  return rows<Hist>(c, `SELECT model, partition, action, detail FROM parting.history WHERE action <> 'reconciled' ORDER BY id`);
}

/** History rows as 'action model partition' lines (partition left out when null). */
export function lines(h: Hist[]): string[] {
  return h.map((r) => [r.action, r.model, r.partition].filter((x) => x !== null).join(' '));
}

/** 'created tweet tweet_X', 'created star star_X' for each month, oldest first. */
export function createdLines(ms: Month[]): string[] {
  return ms.flatMap((m) => [`created tweet tweet_${m.suffix}`, `created star star_${m.suffix}`]);
}

// ── catalog probes ─────────────────────────────────────────────────────────

/** Non-default partitions of a model in one state, oldest first, as names. */
export function partitionsOf(c: pg.Client, model: string, state = 'attached'): Promise<string[]> {
  return column<string>(c, `
    SELECT partition::text FROM parting.partitions($1) WHERE NOT is_default AND state = $2 ORDER BY lower`, [model, state]);
}

/** 'partition state' of a model's partition for one key suffix (empty if pgpart knows none). */
export function stateOf(c: pg.Client, model: string, suffix: string): Promise<string[]> {
  return column<string>(c, `SELECT partition::text || ' ' || state FROM parting.partitions($1) WHERE key = $2`, [model, suffix]);
}

/** The table a foreign key of `table` points to (one per table here). */
export function fkTargets(c: pg.Client, table: string): Promise<string[]> {
  return column<string>(c, `SELECT confrelid::regclass::text FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`, [table]);
}

/** The tables `table` is a partition (or child) of, per pg_inherits. */
export function parentsOf(c: pg.Client, table: string): Promise<string[]> {
  return column<string>(c, `SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = $1::regclass`, [table]);
}

export async function exists(c: pg.Client, table: string): Promise<boolean> {
  return (await scalar(c, 'SELECT to_regclass($1) IS NOT NULL', [table])) as boolean;
}

/** count(*) FROM `from` (a table or a join). */
export async function count(c: pg.Client, from: string): Promise<number> {
  return Number(await scalar(c, `SELECT count(*) FROM ${from}`));
}

/**
 * Where a table's id column gets its values: 'default' (a column default, which pgpart sets
 * to the parent's sequence on partitions before PostgreSQL 17), 'identity' (an identity
 * column: from 17 on, PostgreSQL links an attached partition to its parent's) or 'none'.
 */
export async function idSource(c: pg.Client, table: string): Promise<'default' | 'identity' | 'none'> {
  const [r] = await rows<{ identity: string; defaults: string }>(c, `
    SELECT a.attidentity::text AS identity,
           (SELECT count(*) FROM pg_attrdef d WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum)::text AS defaults
      FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = 'id'`, [table]);
  assert.ok(r, `${table} has no id column`);
  if (r.identity !== '') return 'identity';
  return r.defaults === '0' ? 'none' : 'default';
}

/** What an attached partition's id is on this server: see idSource. */
export function attachedIdSource(): 'default' | 'identity' {
  return serverVersionNum() >= 170000 ? 'identity' : 'default';
}

/** star rows whose tweet is where their foreign key says (the join over both key columns). */
export function joinedStars(c: pg.Client): Promise<number> {
  return count(c, `star s JOIN tweet t ON t.id = s.tweet_id AND t.created_at = s.tweet_created_at`);
}

// ── under load: writers ────────────────────────────────────────────────────

/** A statement that failed under load: who sent it and what PostgreSQL said. */
export interface Failure {
  who: string;
  code: string | undefined;
  message: string;
}

/** Rows the writers committed: tweet id → created_at (ISO), star id → "tweet_id|tweet_created_at". */
export interface Recorder {
  tweets: Map<string, string>;
  stars: Map<string, string>;
}

export function newRecorder(): Recorder {
  return { tweets: new Map(), stars: new Map() };
}

/** A timestamp inside month `m`, varied by n (day, hour and minute), so writers spread their rows. */
export function timeIn(m: Month, n: number): string {
  const day = 1 + (n % 28);
  const sec = n % 3600;
  return `${m.key}-${String(day).padStart(2, '0')} ${String(1 + Math.floor(sec / 60) % 22).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}:00+00`;
}

/**
 * A tweet and its star in ONE transaction, tweet first (the writers' order, which a
 * dependents-first detach would deadlock with). The tweet's json records the server's
 * clock_timestamp() at insert. Recorded only once committed.
 */
export async function insertPair(c: pg.Client, ts: string, who: string, rec: Recorder): Promise<void> {
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

export interface WriterRun {
  /** Resolves when every writer has stopped. */
  done: Promise<void>;
  /** Iterations each writer finished (committed or failed). */
  iterations: number[];
  /** Pairs committed so far, by all the writers. */
  committed(): number;
  failures: Failure[];
  /** Asks the writers to stop once each has done at least `more` further iterations. */
  stop(more: number): Promise<void>;
  /** Resolves once every writer has done `n` iterations. */
  reached(n: number): Promise<void>;
  /** Stops the writers now (unless stop() already did); for finally blocks. */
  halt(): Promise<void>;
}

/** Starts one loop per client (user `w<index>`), each inserting pairs at the timestamps `when(w, i)` gives. */
export function startWriters(clients: pg.Client[], rec: Recorder, when: (w: number, i: number) => string): WriterRun {
  const iterations = clients.map(() => 0);
  let committed = 0;
  const failures: Failure[] = [];
  let stopAt: number[] | undefined;
  const loop = async (c: pg.Client, w: number) => {
    // A regression fails (and is counted) instead of hanging the suite; a writer may wait
    // behind a maintenance step's lock for as long as the step, so this is no tight bound.
    await c.query(`SET lock_timeout = '120s'`);
    for (let i = 0; !(stopAt && i >= stopAt[w]!); i++) {
      try {
        await insertPair(c, when(w, i), `w${w}`, rec);
        committed++;
      } catch (err) {
        const e = err as { code?: string; message: string };
        failures.push({ who: `w${w}`, code: e.code, message: e.message });
      }
      iterations[w] = i + 1;
      if (failures.length > 100) break; // something is badly wrong: stop, the assertions will say
      // Let the other clients' callbacks run (a turn of the event loop, no time).
      if (i % 8 === 7) await new Promise((r) => setImmediate(r));
    }
  };
  const done = Promise.all(clients.map((c, w) => loop(c, w))).then(() => undefined);
  const reached = async (n: number) => {
    await until(`every writer has done ${n} iterations`, () => iterations.every((k) => k >= n));
  };
  return {
    done, iterations, committed: () => committed, failures, reached,
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

// ── under load: the pg_locks sampler ───────────────────────────────────────

/** A relation lock as pg_locks shows it, with the relation's schema and name. */
export interface Lock {
  pid: number;
  mode: string;
  granted: boolean;
  oid: string;
  nspname: string | null;
  relname: string | null;
}

export interface Sample {
  /** The phase when the query was sent and when its answer came back, or 'mixed'. */
  phase: string;
  locks: Lock[];
}

export interface Sampler {
  /** The samples so far (the array grows while the sampler runs). */
  samples: Sample[];
  /** Stops sampling; resolves with every sample. Safe to call twice. */
  stop(): Promise<Sample[]>;
}

/** Polls pg_locks (relation locks of `pids` in this database) every ~interval ms, tagging each sample with phase(). */
export function startSampler(c: pg.Client, pids: number[], phase: () => string, intervalMs = 20): Sampler {
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
      // Paces the sampling only: the tests assert on what samples never show, or on locks
      // read at points where they are held, never on a sample having caught something.
      await new Promise((r) => setTimeout(r, intervalMs));
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

/** Whether the lock is on one of the parents, public.tweet or public.star. */
export const isParent = (l: Lock) => l.nspname === 'public' && (l.relname === 'tweet' || l.relname === 'star');

// ── under load: every row exactly once, every family whole ─────────────────

export interface TweetRow { id: string; created_at: Date; rel: string; user: string }
export interface StarRow { id: string; tweet_id: string; tweet_created_at: Date; rel: string; user: string }
export interface AllRows { tweets: TweetRow[]; stars: StarRow[] }

/**
 * Every tweet and star row, wherever it is: attached, archived, detached or filling. `rel`
 * is the table holding it, schema-qualified unless in public.
 */
export async function everyRow(c: pg.Client): Promise<AllRows> {
  const sources = async (model: string) => {
    const extra = await column<string>(c, `
      SELECT format('%I.%I', o.schema_name, o.table_name) FROM parting.offline o
       WHERE o.model = $1 AND o.state IN ('detached', 'filling')
         AND to_regclass(format('%I.%I', o.schema_name, o.table_name)) IS NOT NULL
       ORDER BY 1`, [model]);
    const archive = await scalar<string | null>(c, `SELECT to_regclass(format('archive.%I', $1::text))::text`, [model]);
    return [`public.${model}`, ...(archive ? [`archive.${model}`] : []), ...extra];
  };
  const rel = `CASE WHEN n.nspname = 'public' THEN r.relname::text ELSE n.nspname || '.' || r.relname END`;
  const from = (src: string) => `FROM ${src} x JOIN pg_class r ON r.oid = x.tableoid JOIN pg_namespace n ON n.oid = r.relnamespace`;
  const tSql = (await sources('tweet')).map((s) => `SELECT x.id::text AS id, x.created_at, ${rel} AS rel, x."user" ${from(s)}`).join(' UNION ALL ');
  const sSql = (await sources('star')).map((s) => `SELECT x.id::text AS id, x.tweet_id::text AS tweet_id, x.tweet_created_at, ${rel} AS rel, x."user" ${from(s)}`).join(' UNION ALL ');
  return { tweets: await rows<TweetRow>(c, tSql), stars: await rows<StarRow>(c, sSql) };
}

/** The suffix of a partition table name: 'archive.tweet_2026_06' → '2026_06', 'star_default' → 'default'. */
const relSuffix = (rel: string) => rel.replace(/^.*\b(tweet|star)_/, '');

/**
 * Rows versus what the writers recorded: each committed row exactly once, nothing else
 * (of the users given), each star in the same-suffix partition as its tweet.
 */
export function checkRows(found: AllRows, rec: Recorder, users: (u: string) => boolean): void {
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

export interface Family {
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
export async function family(c: pg.Client): Promise<Family> {
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

/** No stray table, no half family, every star partition with its foreign key. */
export function assertConsistent(f: Family, what: string): void {
  assert.equal(f.unknown, [], `${what}: no tweet_/star_ table outside parting.partitions()`);
  assert.equal(f.halfFamilies, [], `${what}: no half family`);
  assert.equal(f.missingFk, [], `${what}: every star partition has its FK to the same-suffix tweet partition`);
}

/** Attached month partitions follow each other with no gap. */
export function assertContiguous(f: Family, what: string): void {
  for (let i = 1; i < f.attachedTweets.length; i++) {
    assert.is(f.attachedTweets[i]!.lower, f.attachedTweets[i - 1]!.upper,
      `${what}: ${f.attachedTweets[i - 1]!.partition} is followed by ${f.attachedTweets[i]!.partition}`);
  }
}
