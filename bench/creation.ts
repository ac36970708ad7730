// Parts 1 and 2: creating partitions with nothing else running, each method in its own
// fresh database on the same cluster, timed per transaction from the client.

import type pg from 'pg';
import { freshDatabase, type FreshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { connect, timed } from './conn.js';
import {
  bareFamily,
  bareTweetPartition,
  familyConfig,
  pgpartEnsure,
  starParentDdl,
  tweetOnlyConfig,
  tweetParentDdl,
  type Month,
} from './schema.js';

export interface CreationResult {
  method: string;
  /** Client-side time of each transaction (one partition, or one family), ms. */
  perTxn: number[];
  /** Wall time of all of it, ms (sum of the transactions; a single call for create_parent). */
  total: number;
  /** Partitions (or families) the timed part made: `total` covers this many. */
  timed: number;
  /** Tables attached to the parent(s) afterwards, as the catalog reports them. */
  partitions: string;
  note?: string;
}

async function withDatabase<T>(prefix: string, fn: (db: FreshDatabase, client: pg.Client) => Promise<T>): Promise<T> {
  const db = await freshDatabase(prefix);
  const client = await connect(db.url);
  try {
    return await fn(db, client);
  } finally {
    await client.end().catch(() => {});
    await db.drop();
  }
}

/** "36" or "36 + default", counted in pg_inherits. */
async function countPartitions(client: pg.Client, parent: string): Promise<string> {
  const r = await client.query<{ ranged: number; defaults: number }>(
    `SELECT count(*) FILTER (WHERE pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT')::int AS ranged,
            count(*) FILTER (WHERE pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT')::int AS defaults
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass`,
    [parent],
  );
  const row = r.rows[0];
  if (!row) return '0';
  return row.defaults > 0 ? `${row.ranged} + default` : String(row.ranged);
}

async function eachTimed(client: pg.Client, sqls: readonly string[], check?: (rows: Record<string, unknown>[]) => void): Promise<number[]> {
  const out: number[] = [];
  for (const sql of sqls) {
    const r = await timed(client, sql);
    check?.(r.rows);
    out.push(r.ms);
  }
  return out;
}

/** Indexes and foreign keys on the partitions of tweet and star: shows both methods built the same. */
async function familyShape(c: pg.Client): Promise<string> {
  const r = await c.query<{ tweets: number; stars: number; indexes: number; fks: number }>(
    `WITH parts AS (SELECT i.inhrelid AS rel, i.inhparent AS parent FROM pg_inherits i
                     WHERE i.inhparent IN ('public.tweet'::regclass, 'public.star'::regclass))
     SELECT (SELECT count(*) FROM parts WHERE parent = 'public.tweet'::regclass)::int AS tweets,
            (SELECT count(*) FROM parts WHERE parent = 'public.star'::regclass)::int AS stars,
            (SELECT count(*) FROM pg_index x JOIN parts p ON p.rel = x.indrelid)::int AS indexes,
            (SELECT count(*) FROM pg_constraint k JOIN parts p ON p.rel = k.conrelid WHERE k.contype = 'f')::int AS fks`,
  );
  const row = r.rows[0];
  return row ? `${row.tweets} tweet + ${row.stars} star (${row.indexes} indexes, ${row.fks} FKs)` : '?';
}

const expectCreated = (n: number) => (rows: Record<string, unknown>[]): void => {
  if (rows[0]?.n !== n) throw new Error(`ensure_partition created ${String(rows[0]?.n)} tables, expected ${n}`);
};
const total = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

// ── part 1: tweet alone ────────────────────────────────────────────────────

export async function bareTweet(ms: readonly Month[]): Promise<CreationResult> {
  return withDatabase('bench_bare_tweet', async (_db, c) => {
    await c.query(tweetParentDdl);
    const perTxn = await eachTimed(c, ms.map(bareTweetPartition));
    return { method: 'bare DDL: `CREATE TABLE … PARTITION OF`', perTxn, total: total(perTxn), timed: perTxn.length, partitions: await countPartitions(c, 'public.tweet') };
  });
}

export async function pgpartTweet(ms: readonly Month[]): Promise<CreationResult> {
  return withDatabase('bench_pgpart_tweet', async (db, c) => {
    await install(db.url, tweetOnlyConfig);
    const perTxn = await eachTimed(c, ms.map(pgpartEnsure), expectCreated(1));
    return { method: 'pgpart: `parting.ensure_partition`', perTxn, total: total(perTxn), timed: perTxn.length, partitions: await countPartitions(c, 'public.tweet') };
  });
}

async function partmanSetup(c: pg.Client): Promise<void> {
  await c.query('CREATE SCHEMA partman');
  await c.query('CREATE EXTENSION pg_partman SCHEMA partman');
  await c.query(tweetParentDdl);
}

/** pg_partman 4.7: create_parent makes every partition from p_start_partition to now + premake, in one call. */
export async function partmanCreateParent(ms: readonly Month[]): Promise<CreationResult> {
  return withDatabase('bench_partman_parent', async (_db, c) => {
    await partmanSetup(c);
    const first = ms[0];
    if (!first) throw new Error('no months');
    const r = await timed(
      c,
      `SELECT partman.create_parent(p_parent_table := 'public.tweet', p_control := 'created_at', p_type := 'native',
                                    p_interval := 'monthly', p_premake := ${ms.length - 1}, p_start_partition := '${first.lower}')`,
    );
    return {
      method: 'pg_partman 4.7: `create_parent` (one call)',
      perTxn: [],
      total: r.ms,
      timed: ms.length,
      partitions: await countPartitions(c, 'public.tweet'),
      note: 'one transaction for all; also creates its template table and the default partition',
    };
  });
}

/**
 * pg_partman 4.7 one partition per transaction, the way its maintenance adds partitions:
 * create_parent with the smallest premake it accepts (1: this month and the next, untimed),
 * then create_partition_time for each remaining month.
 */
export async function partmanPerPartition(ms: readonly Month[]): Promise<CreationResult> {
  return withDatabase('bench_partman_each', async (_db, c) => {
    await partmanSetup(c);
    const first = ms[0];
    if (!first) throw new Error('no months');
    await c.query(
      `SELECT partman.create_parent(p_parent_table := 'public.tweet', p_control := 'created_at', p_type := 'native',
                                    p_interval := 'monthly', p_premake := 1, p_start_partition := '${first.lower}')`,
    );
    const made = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'public.tweet'::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'`,
    );
    const before = made.rows[0]?.n ?? 0;
    const rest = ms.slice(before);
    const perTxn = await eachTimed(
      c,
      rest.map((m) => `SELECT partman.create_partition_time('public.tweet', ARRAY['${m.lower}']::timestamptz[], false)`),
    );
    return {
      method: 'pg_partman 4.7: `create_partition_time`, one per transaction',
      perTxn,
      total: total(perTxn),
      timed: rest.length,
      partitions: await countPartitions(c, 'public.tweet'),
      note: `create_parent (premake 1, its minimum) first made ${before} partitions + default, untimed; then ${rest.length} timed calls, so its total covers ${rest.length} partitions, not ${ms.length}`,
    };
  });
}

// ── part 2: the tweet + star family ────────────────────────────────────────

export async function bareFamilies(ms: readonly Month[]): Promise<CreationResult> {
  return withDatabase('bench_bare_family', async (_db, c) => {
    await c.query(tweetParentDdl);
    await c.query(starParentDdl);
    const perTxn = await eachTimed(c, ms.map(bareFamily));
    return { method: 'bare DDL: 2× `PARTITION OF` + unique indexes + FK index + `ADD FOREIGN KEY`', perTxn, total: total(perTxn), timed: perTxn.length, partitions: await familyShape(c) };
  });
}

export async function pgpartFamilies(ms: readonly Month[]): Promise<CreationResult> {
  return withDatabase('bench_pgpart_family', async (db, c) => {
    await install(db.url, familyConfig);
    const perTxn = await eachTimed(c, ms.map(pgpartEnsure), expectCreated(2));
    return { method: 'pgpart: `parting.ensure_partition` (creates both)', perTxn, total: total(perTxn), timed: perTxn.length, partitions: await familyShape(c) };
  });
}
