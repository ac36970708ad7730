// Part 10: draining the DEFAULT partitions. The family has default partitions and no other
// partition (initial: false); 100k tweets of the current month and a star for each wait in
// tweet_default and star_default. Two writers insert a tweet and its star per transaction
// into the current month (so into the default partitions until the month's partitions are
// attached) while one `CALL parting.run_maintenance()` makes the current month and 2 ahead:
// with more rows waiting than drainBatch (10,000, the default) the month's tables are filled
// batch by batch, one transaction each, and the last batch moves under EXCLUSIVE locks on the
// parents and attaches. Reported: rows moved per second (from parting.history), the writers'
// latency during the run and during a window after it (as long, at most 10 s in a full run; no rows waiting: the
// baseline), and whether every row is still there exactly once.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { ConfigInput } from '../src/config/schema.js';
import { freshDatabase, type FreshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { sleep } from './conn.js';
import { size } from './mode.js';
import { months, withTweetPartition, type Month } from './schema.js';
import { max, ms, percentile, ratio, table } from './stats.js';
import { measuredWindow, type PhaseResult } from './writers.js';

const WAITING = size(100_000, 12_000);
const WRITERS = 2;
/** The baseline window after the drain: as long as the drain, up to this. */
const AFTER_MAX_MS = size(10_000, 3_000);

const config: ConfigInput = withTweetPartition({ default: true, premake: 2 });

async function setup(current: Month): Promise<FreshDatabase> {
  const db = await freshDatabase('bench_drain');
  const c = db.client;
  try {
    await install(db.url, config);
    await c.query(
      `WITH t AS (INSERT INTO public.tweet (json, "user", created_at)
                  SELECT '{"seed":true}', 'seed', $1::timestamptz + (g % 27) * interval '1 day' + g * interval '1 second'
                    FROM generate_series(1, $2::int) g
                  RETURNING id, created_at)
       INSERT INTO public.star ("user", tweet_id, tweet_created_at) SELECT 'seed', id, created_at FROM t`,
      [current.lower, WAITING],
    );
    const r = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM ONLY public.tweet_default');
    if (r.rows[0]?.n !== WAITING) throw new Error(`${String(r.rows[0]?.n)} tweets in tweet_default, expected ${WAITING}`);
    await c.query('VACUUM ANALYZE');
  } catch (err) {
    await db.drop();
    throw err;
  }
  return db;
}

interface Counts {
  seedTweets: number;
  seedStars: number;
  writerTweets: number;
  writerStars: number;
  distinctTweetIds: number;
  tweets: number;
  inDefault: number;
}

async function counts(c: pg.Client): Promise<Counts> {
  const r = await c.query<Counts>(
    `SELECT (SELECT count(*) FROM public.tweet WHERE json ? 'seed')::int AS "seedTweets",
            (SELECT count(*) FROM public.star WHERE "user" = 'seed')::int AS "seedStars",
            (SELECT count(*) FROM public.tweet WHERE json ? 'w')::int AS "writerTweets",
            (SELECT count(*) FROM public.star WHERE "user" LIKE 'fan%')::int AS "writerStars",
            (SELECT count(DISTINCT id) FROM public.tweet)::int AS "distinctTweetIds",
            (SELECT count(*) FROM public.tweet)::int AS tweets,
            (SELECT count(*) FROM ONLY public.tweet_default)::int + (SELECT count(*) FROM ONLY public.star_default)::int AS "inDefault"`,
  );
  return r.rows[0]!;
}

interface Moved {
  batches: number;
  tweets: number;
  stars: number;
  /** From the first batch's start to the attach of the month's tables, ms. */
  drainMs: number;
}

async function moved(c: pg.Client, since: number, current: Month): Promise<Moved> {
  const r = await c.query<Moved>(
    `SELECT count(*) FILTER (WHERE action = 'moved')::int AS batches,
            coalesce(sum((detail -> 'rows' ->> 'tweet')::bigint) FILTER (WHERE action = 'moved'), 0)::int AS tweets,
            coalesce(sum((detail -> 'rows' ->> 'star')::bigint) FILTER (WHERE action = 'moved'), 0)::int AS stars,
            (extract(epoch FROM max(at) FILTER (WHERE action = 'created' AND partition = $2)
                                - min(at - duration) FILTER (WHERE action = 'moved')) * 1000)::float8 AS "drainMs"
       FROM parting.history WHERE id > $1`,
    [since, `tweet_${current.suffix}`],
  );
  return r.rows[0]!;
}

export interface Part10 {
  drain: PhaseResult;
  after: PhaseResult;
  wallMs: number;
  moved: Moved;
  before: Counts;
  end: Counts;
}

export async function part10(log: (msg: string) => void): Promise<Part10> {
  const current = months(0, 1)[0]!;
  const db = await setup(current);
  try {
    const before = await counts(db.client);
    const since = Number((await db.client.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM parting.history')).rows[0]!.id);
    let wallMs = 0;
    const drain = await measuredWindow(
      db.url,
      current,
      async (maint) => {
        const t0 = performance.now();
        await maint.query('CALL parting.run_maintenance()');
        wallMs = performance.now() - t0;
        return [wallMs];
      },
      { writers: WRITERS },
    );
    const m = await moved(db.client, since, current);
    log(`  moved ${m.tweets} tweets + ${m.stars} stars in ${m.batches} batches, ${ms(m.drainMs)} ms`);
    const after = await measuredWindow(db.url, current, async () => {
      await sleep(Math.min(wallMs, AFTER_MAX_MS));
      return [];
    }, { writers: WRITERS });
    return { drain, after, wallMs, moved: m, before, end: await counts(db.client) };
  } finally {
    await db.drop();
  }
}

export function formatPart10(p: Part10): string {
  const rows = (p.moved.tweets + p.moved.stars) / (p.moved.drainMs / 1000);
  const lost = p.end.seedTweets !== p.before.seedTweets || p.end.seedStars !== p.before.seedStars;
  const writerRows = (r: PhaseResult, label: string): string[] => [
    label, String(r.latencies.length), String(r.failures), ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 99)), ms(max(r.latencies)),
    ratio(percentile(r.latencies, 99), percentile(p.after.latencies, 99)), ratio(max(r.latencies), max(p.after.latencies)),
  ];
  return [
    table(
      ['rows waiting (tweets + stars)', 'batches (drainBatch 10,000)', 'moved: tweets + stars', 'drain s', 'rows moved / s', 'tweets moved / s', 'run_maintenance wall s'],
      [[
        `${p.before.seedTweets.toLocaleString('en')} + ${p.before.seedStars.toLocaleString('en')}`,
        String(p.moved.batches),
        `${p.moved.tweets.toLocaleString('en')} + ${p.moved.stars.toLocaleString('en')}`,
        (p.moved.drainMs / 1000).toFixed(2),
        rows.toFixed(0),
        (p.moved.tweets / (p.moved.drainMs / 1000)).toFixed(0),
        (p.wallMs / 1000).toFixed(2),
      ]],
    ),
    '',
    table(
      ['writers (' + String(WRITERS) + ', tweet + star per transaction)', 'txns', 'failed', 'p50 ms', 'p99 ms', 'max ms', 'p99 ÷ after', 'max ÷ after'],
      [writerRows(p.drain, 'during run_maintenance (the drain)'), writerRows(p.after, `after it (baseline), ${(p.after.windowMs / 1000).toFixed(1)} s`)],
    ),
    '',
    `- Rows: seed tweets ${p.before.seedTweets} before, ${p.end.seedTweets} after; seed stars ${p.before.seedStars} before, ${p.end.seedStars} after${lost ? ' — ROWS LOST' : ' (none lost)'};`,
    `  writers' rows ${p.end.writerTweets} tweets and ${p.end.writerStars} stars${p.end.writerTweets === p.end.writerStars ? '' : ' (MISMATCH)'}; tweets ${p.end.tweets}, distinct tweet ids`,
    `  ${p.end.distinctTweetIds}${p.end.tweets === p.end.distinctTweetIds ? ' (no duplicates)' : ' (DUPLICATES)'}; rows left in the default partitions: ${p.end.inDefault}.`,
    '- "moved" and the batches are parting.history\'s `moved` rows of the run; the drain runs from the start of the first batch\'s step',
    '  to the `created` row of the month\'s tweet partition (its attach, in the last batch\'s transaction). The writers insert into',
    '  the month being drained, so their rows go to the default partitions until it is attached, and are moved too.',
  ].join('\n');
}
