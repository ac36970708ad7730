// Catch-up planning and the parents' ANALYZE, on one throwaway PostgreSQL 15 cluster:
//
//   node --import tsx bench/catchup.ts      (or as a part of bench/run.ts)
//
// 1. Planning after downtime. An hourly model whose newest partition is a day back, and one
//    whose newest is a year back (8,760 hours missed): the time of parting._due (inside a
//    transaction rolled back, so the catch-up it records is undone), median of ROUNDS; the
//    plan's length. With catchUp (100 a run) the year back plans the present and 100 missed
//    hours, the day back the present and 24: the ratio says whether planning grows with the
//    backlog or with what a run does.
// 2. ANALYZE of a partitioned parent (config `analyze`), at 100 and 1,000 daily partitions
//    of tweet + star with 20 rows each: the time of parting._analyze_family (both parents),
//    median of ROUNDS. Before PostgreSQL 18 it analyzes every partition again as well.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { ConfigInput } from '../src/config/schema.js';
import { freshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { connect } from './conn.js';
import { isMain, QUICK, runAlone } from './mode.js';
import { ms, percentile, ratio, table } from './stats.js';

const ROUNDS = 7;

const hourly: ConfigInput = {
  models: {
    ev: {
      columns: { id: 'bigint generated always as identity', at: 'timestamptz not null' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'at', interval: '1 hour', premake: 2, initial: false },
    },
  },
};

const daily: ConfigInput = {
  models: {
    tweet: {
      columns: { id: 'bigint generated always as identity', user: 'text not null', created_at: 'timestamptz not null' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'created_at', interval: '1 day', premake: 2, initial: false },
    },
    star: {
      columns: { id: 'bigint generated always as identity', user: 'text not null' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
    },
  },
};

async function medianOf(c: pg.Client, sql: string, rounds = ROUNDS): Promise<{ ms: number; rows: number }> {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < rounds; i++) {
    await c.query('BEGIN');
    const t0 = performance.now();
    const r = await c.query(sql);
    times.push(performance.now() - t0);
    await c.query('ROLLBACK');
    rows = r.rowCount ?? 0;
  }
  return { ms: percentile(times, 50), rows };
}

async function planBehind(back: string, log: (m: string) => void): Promise<{ ms: number; rows: number }> {
  const db = await freshDatabase('bench_catchup');
  try {
    await install(db.url, hourly);
    const c = await connect(db.url);
    try {
      await c.query(`SELECT parting.ensure_partition('ev', (now() - $1::interval)::text)`, [back]);
      const r = await medianOf(c, `SELECT * FROM parting._due(parting._model('ev'))`);
      log(`plan, newest partition ${back} back: ${ms(r.ms)} ms, ${r.rows} steps`);
      return r;
    } finally {
      await c.end();
    }
  } finally {
    await db.drop();
  }
}

async function analyzeAt(partitions: number, log: (m: string) => void): Promise<number> {
  const db = await freshDatabase('bench_analyze');
  try {
    await install(db.url, daily);
    const c = await connect(db.url);
    try {
      const t0 = performance.now();
      await c.query(`
        CREATE PROCEDURE pg_temp.fill(n int) LANGUAGE plpgsql AS $$
        BEGIN
          FOR i IN 1 .. n LOOP
            PERFORM parting.ensure_partition('tweet', to_char(current_date - i, 'YYYY-MM-DD'));
            IF i % 100 = 0 THEN COMMIT; END IF;
          END LOOP;
        END $$`);
      await c.query(`CALL pg_temp.fill($1)`, [partitions]);
      await c.query(`
        WITH t AS (INSERT INTO tweet ("user", created_at)
                   SELECT 'u', current_date - d + interval '1 hour' * r
                     FROM generate_series(1, $1::int) d, generate_series(1, 20) r
                   RETURNING id, created_at)
        INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'u', id, created_at FROM t`, [partitions]);
      log(`${partitions} daily families with 20 rows each made in ${ms(performance.now() - t0)} ms`);
      const times: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const t = performance.now();
        await c.query(`SELECT parting._analyze_family(parting._model('tweet'))`);
        times.push(performance.now() - t);
      }
      const med = percentile(times, 50);
      log(`ANALYZE of tweet and star at ${partitions} partitions: ${ms(med)} ms`);
      return med;
    } finally {
      await c.end();
    }
  } finally {
    await db.drop();
  }
}

/** Runs both measurements (the cluster's URL must be in PGPART_TEST_DATABASE_URL) and returns Markdown. */
export async function partCatchUp(log: (m: string) => void, quick = false): Promise<string> {
  const day = await planBehind('25 hours', log);
  const year = await planBehind('1 year', log);
  const sizes = quick ? [100] : [100, 1000];
  const analyzed: [number, number][] = [];
  for (const n of sizes) analyzed.push([n, await analyzeAt(n, log)]);
  return [
    '**Planning after downtime** (hourly model, `catchUp` 100; `parting._due`, median of ' + `${ROUNDS})`,
    '',
    table(['newest partition', 'steps planned', 'plan (ms)', 'vs a day back'], [
      ['a day back (24 missed)', String(day.rows), ms(day.ms), '1.00×'],
      ['a year back (8,760 missed)', String(year.rows), ms(year.ms), ratio(year.ms, day.ms)],
    ]),
    '',
    `**ANALYZE of the parents** (\`analyze: true\`; tweet and star, 20 rows per partition; median of ${ROUNDS})`,
    '',
    table(['partitions', 'ANALYZE tweet + star (ms)', 'per partition (ms)'],
      analyzed.map(([n, t]) => [n.toLocaleString('en'), ms(t), ms(t / n)])),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  await runAlone('Catch-up after downtime and ANALYZE of the partitioned parents',
    () => partCatchUp((m) => void process.stderr.write(`[bench catchup] ${m}\n`), QUICK));
}
