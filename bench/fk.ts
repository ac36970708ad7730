// Part 9: what the foreign key from star to tweet costs, three ways, each on a fresh database
// with the same tables and indexes (tweet_X: pkey (id, created_at) + unique (id); star_X:
// pkey (id, tweet_created_at) + unique (id) + index (tweet_id)) for 6 months (3 back … 2 ahead),
// rows in the 4 months up to the current one:
//   pgpart        its per-partition foreign keys star_X (tweet_id, tweet_created_at) → tweet_X (id, created_at);
//   partition FK  plain partitioned tables with one foreign key on the parents,
//                 star (tweet_id, tweet_created_at) → tweet (id, created_at);
//   no FK         the same plain tables without any.
// Measured: star inserts (single-row, autocommit, from 2 connections) per second, and retiring
// the month 3 back (star_X, then tweet_X): its time and the locks the retiring session holds,
// sampled from pg_locks by another session while it runs. pgpart retires through
// run_maintenance (retention keep '2 months', detach); the plain tables with one transaction
// of LOCK + DETACH PARTITION. With the partition-level key the detached star_X still carries
// a key to all of tweet, which then refuses to let tweet_X go ("removing partition violates
// foreign key constraint"), so that transaction drops star_X's key before detaching tweet_X.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { ConfigInput } from '../src/config/schema.js';
import { freshDatabase, quoteIdent, type FreshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { connect, timed } from './conn.js';
import { size } from './mode.js';
import { months, pgpartEnsure, starParentDdl, tweetParentDdl, withTweetPartition, type Month } from './schema.js';
import { ms, percentile, ratio, table } from './stats.js';

type Variant = 'pgpart' | 'partitionFk' | 'noFk';
const VARIANTS: readonly Variant[] = ['pgpart', 'partitionFk', 'noFk'];
const LABEL: Record<Variant, string> = {
  pgpart: 'pgpart: per-partition FKs `star_X (tweet_id, tweet_created_at) → tweet_X (id, created_at)`',
  partitionFk: 'plain tables, partition-level FK `star (tweet_id, tweet_created_at) → tweet (id, created_at)`',
  noFk: 'plain tables, no FK',
};

/** Tweets (and as many stars) in each month from 3 back to the current one. */
const ROWS_PER_MONTH = size(25_000, 5_000);
/** Star inserts timed, split over the connections. */
const INSERTS = size(20_000, 4_000);
const CONNECTIONS = 2;
const WARMUP_PER_CONNECTION = size(200, 100);

const config: ConfigInput = withTweetPartition({ premake: 2, retention: { keep: '2 months', action: 'detach' } });

/** Part 2's bare family without its foreign key: PARTITION OF, and the indexes pgpart makes. */
function bareFamilyNoFk(m: Month): string {
  const t = quoteIdent(`tweet_${m.suffix}`);
  const s = quoteIdent(`star_${m.suffix}`);
  const bounds = `FOR VALUES FROM ('${m.lower}') TO ('${m.upper}')`;
  return [
    `CREATE TABLE public.${t} PARTITION OF public.tweet ${bounds}`,
    `CREATE UNIQUE INDEX ${quoteIdent(`tweet_${m.suffix}_id_uniq`)} ON public.${t} (id)`,
    `CREATE TABLE public.${s} PARTITION OF public.star ${bounds}`,
    `CREATE UNIQUE INDEX ${quoteIdent(`star_${m.suffix}_id_uniq`)} ON public.${s} (id)`,
    `CREATE INDEX ${quoteIdent(`star_${m.suffix}_tweet_id_idx`)} ON public.${s} (tweet_id)`,
  ].join(';\n');
}

/** Retiring a month of the plain tables: parents locked in the writers' order, star_X first. */
function bareRetire(m: Month, partitionFk: boolean): string {
  const s = `public.${quoteIdent(`star_${m.suffix}`)}`;
  return [
    'BEGIN',
    'LOCK TABLE ONLY public.tweet, ONLY public.star IN ACCESS EXCLUSIVE MODE',
    `ALTER TABLE public.star DETACH PARTITION ${s}`,
    ...(partitionFk
      ? [`DO $$ DECLARE k name; BEGIN
            FOR k IN SELECT conname FROM pg_constraint WHERE conrelid = '${s}'::regclass AND contype = 'f' AND conparentid = 0 LOOP
              EXECUTE format('ALTER TABLE ${s} DROP CONSTRAINT %I', k);
            END LOOP;
          END $$`]
      : []),
    `ALTER TABLE public.tweet DETACH PARTITION public.${quoteIdent(`tweet_${m.suffix}`)}`,
    'COMMIT',
  ].join(';\n');
}

interface Span {
  all: Month[];
  seeded: Month[];
  due: Month;
  current: Month;
}

function span(): Span {
  const all = months(-3, 6);
  return { all, seeded: all.slice(0, 4), due: all[0]!, current: all[3]! };
}

async function setup(v: Variant, sp: Span): Promise<FreshDatabase> {
  const db = await freshDatabase(`bench_fk_${v}`);
  const c = db.client;
  try {
    await c.query(`SET TimeZone = 'UTC'`);
    if (v === 'pgpart') {
      await install(db.url, config);
      for (const m of sp.all) await c.query(pgpartEnsure(m));
    } else {
      await c.query(tweetParentDdl);
      await c.query(starParentDdl);
      for (const m of sp.all) await c.query(bareFamilyNoFk(m));
      if (v === 'partitionFk') {
        await c.query('ALTER TABLE public.star ADD CONSTRAINT star_tweet_fkey FOREIGN KEY (tweet_id, tweet_created_at) REFERENCES public.tweet (id, created_at)');
      }
    }
    await c.query(
      `INSERT INTO public.tweet (json, "user", created_at)
       SELECT '{"seed":true}', 'seed', m + (g % 27) * interval '1 day' + g * interval '1 second'
         FROM unnest($1::timestamptz[]) m, generate_series(1, $2::int) g`,
      [sp.seeded.map((m) => m.lower), ROWS_PER_MONTH],
    );
    // A star for every tweet but those of the current month, which the timed inserts star.
    await c.query(
      `INSERT INTO public.star ("user", tweet_id, tweet_created_at)
       SELECT 'seed', id, created_at FROM public.tweet WHERE created_at < $1`,
      [sp.current.lower],
    );
    await c.query('VACUUM ANALYZE');
  } catch (err) {
    await db.drop();
    throw err;
  }
  return db;
}

interface Inserts {
  rowsPerSecond: number;
  wallMs: number;
  latencies: number[];
}

async function insertStars(url: string, c: pg.Client, sp: Span): Promise<Inserts> {
  const need = CONNECTIONS * (WARMUP_PER_CONNECTION + INSERTS / CONNECTIONS);
  const tweets = await c.query<{ id: string; created_at: Date }>(
    'SELECT id, created_at FROM public.tweet WHERE created_at >= $1 AND created_at < $2 ORDER BY id LIMIT $3',
    [sp.current.lower, sp.current.upper, need],
  );
  if (tweets.rows.length < need) throw new Error(`only ${tweets.rows.length} tweets to star, need ${need}`);
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < CONNECTIONS; i++) clients.push(await connect(url));
    const insert = (cl: pg.Client, t: { id: string; created_at: Date }): Promise<unknown> =>
      cl.query({ name: 'ins_star', text: 'INSERT INTO public.star ("user", tweet_id, tweet_created_at) VALUES ($1, $2, $3)', values: ['fan', t.id, t.created_at] });
    const share = (i: number): { id: string; created_at: Date }[] => tweets.rows.filter((_, k) => k % CONNECTIONS === i);
    // Untimed first inserts: prepared statements and the foreign-key checks' plans cached.
    await Promise.all(clients.map(async (cl, i) => { for (const t of share(i).slice(0, WARMUP_PER_CONNECTION)) await insert(cl, t); }));
    const latencies: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (cl, i) => {
        for (const t of share(i).slice(WARMUP_PER_CONNECTION)) {
          const s = performance.now();
          await insert(cl, t);
          latencies.push(performance.now() - s);
        }
      }),
    );
    const wallMs = performance.now() - t0;
    return { rowsPerSecond: latencies.length / (wallMs / 1000), wallMs, latencies };
  } finally {
    await Promise.all(clients.map((cl) => cl.end().catch(() => {})));
  }
}

interface Locks {
  samples: number;
  /** Relation → lock modes seen held (or waited for, marked "waiting"). */
  held: Map<string, Set<string>>;
  /** How long ACCESS EXCLUSIVE on tweet was seen held: last sample − first sample, ms. */
  tweetExclusiveMs: number;
}

/**
 * Samples pg_locks for `pid`, on its own connection, until `stop` resolves: the locks on the
 * benchmark's tables and indexes (schemas public and archive; catalog and parting's own
 * tables left out).
 */
async function sampleLocks(c: pg.Client, pid: number, stop: Promise<unknown>): Promise<Locks> {
  const held = new Map<string, Set<string>>();
  let samples = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  let done = false;
  void stop.finally(() => { done = true; });
  while (!done) {
    const r = await c.query<{ rel: string; mode: string; granted: boolean }>(
      `SELECT l.relation::regclass::text AS rel, l.mode, l.granted
         FROM pg_locks l JOIN pg_class r ON r.oid = l.relation JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE l.pid = $1 AND l.locktype = 'relation' AND n.nspname IN ('public', 'archive')`, [pid]);
    const at = performance.now();
    if (r.rows.length) samples++;
    for (const row of r.rows) {
      const set = held.get(row.rel) ?? new Set<string>();
      set.add(row.granted ? row.mode : `${row.mode} (waiting)`);
      held.set(row.rel, set);
      if (row.rel === 'tweet' && row.mode === 'AccessExclusiveLock' && row.granted) {
        if (Number.isNaN(first)) first = at;
        last = at;
      }
    }
  }
  return { samples, held, tweetExclusiveMs: Number.isNaN(first) ? Number.NaN : last - first };
}

interface Retire {
  ms: number;
  locks: Locks;
  note: string;
}

async function retire(v: Variant, url: string, sp: Span): Promise<Retire> {
  const c = await connect(url);
  // Connected before the retire starts: a retire of a few milliseconds ends before a new connection is up.
  const watcher = await connect(url);
  try {
    const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const since = v === 'pgpart' ? Number((await c.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM parting.history')).rows[0]!.id) : 0;
    const sql = v === 'pgpart' ? 'CALL parting.run_maintenance()' : bareRetire(sp.due, v === 'partitionFk');
    let release: () => void = () => {};
    const stopped = new Promise<void>((resolve) => { release = resolve; });
    const sampler = sampleLocks(watcher, pid, stopped);
    const r = await timed(c, sql).finally(() => release());
    const locks = await sampler;
    let note = '';
    if (v === 'pgpart') {
      const h = await c.query<{ actions: string }>(
        `SELECT string_agg(action || ' ' || coalesce(partition, '') || coalesce(' ' || round(extract(epoch FROM duration) * 1000, 1) || ' ms', ''), ', ' ORDER BY id) AS actions
           FROM parting.history WHERE id > $1 AND action <> 'maintained'`, [since]);
      note = `parting.history: ${h.rows[0]?.actions ?? 'nothing'}`;
    }
    const still = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhrelid IN (to_regclass($1), to_regclass($2))`,
      [`public.tweet_${sp.due.suffix}`, `public.star_${sp.due.suffix}`],
    );
    if (still.rows[0]?.n !== 0) throw new Error(`${v}: the month ${sp.due.key} is still attached after its retire`);
    return { ms: r.ms, locks, note };
  } finally {
    await Promise.all([c, watcher].map((x) => x.end().catch(() => {})));
  }
}

export type Part9 = Partial<Record<Variant, { inserts: Inserts; retire: Retire }>>;

export async function part9(log: (msg: string) => void): Promise<Part9> {
  const sp = span();
  const out: Part9 = {};
  for (const v of VARIANTS) {
    const db = await setup(v, sp);
    try {
      const inserts = await insertStars(db.url, db.client, sp);
      const r = await retire(v, db.url, sp);
      out[v] = { inserts, retire: r };
      log(`  ${v}: ${inserts.rowsPerSecond.toFixed(0)} star inserts/s, retire ${ms(r.ms)} ms`);
    } finally {
      await db.drop();
    }
  }
  return out;
}

const STRENGTH = ['AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock', 'ShareUpdateExclusiveLock', 'RowExclusiveLock', 'RowShareLock', 'AccessShareLock'];

/** "AccessExclusiveLock on 6 (tweet, star, …); ShareLock on 1 (…)": each relation under the strongest mode it was seen in. */
function lockSummary(l: Locks): string {
  const byMode = new Map<string, string[]>();
  for (const [rel, modes] of l.held) {
    const strongest = STRENGTH.find((m) => modes.has(m)) ?? [...modes][0]!;
    byMode.set(strongest, [...(byMode.get(strongest) ?? []), rel]);
  }
  const order = [...byMode.keys()].sort((a, b) => STRENGTH.indexOf(a) - STRENGTH.indexOf(b));
  return order
    .map((m) => {
      const rels = byMode.get(m)!;
      return `${m} on ${rels.length} (${rels.slice(0, 6).join(', ')}${rels.length > 6 ? ', …' : ''})`;
    })
    .join('; ');
}

export function formatPart9(p: Part9): string {
  const none = p.noFk;
  const header = [
    'foreign key', 'star inserts/s', 'p50 ms', 'p99 ms', 'inserts/s ÷ no FK', 'retire one month ms', 'retire ÷ pgpart',
    'ACCESS EXCLUSIVE on tweet seen for ms (sampled)', 'pg_locks samples',
  ];
  const rows = VARIANTS.map((v) => {
    const r = p[v];
    if (!r) return [LABEL[v], 'not run', '', '', '', '', '', '', ''];
    return [
      LABEL[v],
      r.inserts.rowsPerSecond.toFixed(0),
      ms(percentile(r.inserts.latencies, 50)),
      ms(percentile(r.inserts.latencies, 99)),
      none ? ratio(r.inserts.rowsPerSecond, none.inserts.rowsPerSecond) : 'n/a',
      ms(r.retire.ms),
      p.pgpart ? ratio(r.retire.ms, p.pgpart.retire.ms) : 'n/a',
      ms(r.retire.locks.tweetExclusiveMs),
      String(r.retire.locks.samples),
    ];
  });
  return [
    table(header, rows),
    '',
    `- ${ROWS_PER_MONTH.toLocaleString('en')} tweets in each of the 4 months up to the current one, a star for each of the older 3 months' tweets; then`,
    `  ${INSERTS.toLocaleString('en')} single-row star inserts (autocommit, prepared) from ${CONNECTIONS} connections, each starring another tweet of the current month,`,
    `  after ${WARMUP_PER_CONNECTION} untimed ones per connection. Then the month 3 back is retired (its ${ROWS_PER_MONTH.toLocaleString('en')} tweets and stars).`,
    '- Retire: pgpart `CALL parting.run_maintenance()` (nothing else is due: the 2 months ahead exist), timed from the client; the plain',
    '  tables: one transaction `LOCK TABLE ONLY tweet, ONLY star IN ACCESS EXCLUSIVE MODE; DETACH star_X; [drop star_X\'s FK;] DETACH tweet_X`.',
    '  Locks: every table and index of the benchmark (schema public; catalogs and parting\'s own tables left out) the retiring',
    '  session was seen holding in pg_locks, sampled as fast as another connection can ask, under the strongest mode seen',
    '  (no samples: the transaction ended between two):',
    ...VARIANTS.filter((v) => p[v]).map((v) => `  ${LABEL[v]}: ${lockSummary(p[v]!.retire.locks)}${p[v]!.retire.note ? `; ${p[v]!.retire.note}` : ''}`),
  ].join('\n');
}
