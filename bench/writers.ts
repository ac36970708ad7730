// Parts 3 and 4: writer latency while maintenance runs. Four writers insert a tweet and its
// star in one transaction, in a loop, into an existing month; meanwhile a fifth session does
// the maintenance (part 3: creates 24 new families one per transaction, by pgpart, by bare
// `PARTITION OF`, or by the hand-written floor of what pgpart does; part 4: see
// maintenance.ts) or, for the baseline, nothing. Only transactions that start inside the
// measured window count (including those that finish after it closes, e.g. because they
// waited for a lock).

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { freshDatabase, type FreshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { connect, sleep, timed } from './conn.js';
import { bareAttachFamily, identitySequences, type Sequences } from './days.js';
import { bareFamily, familyConfig, pgpartEnsure, starParentDdl, tweetParentDdl, type Month } from './schema.js';

export const WRITERS = 4;
/** Writers run this long before the window opens (connections warm, plans cached). */
const WARMUP_MS = 500;
/** A bound on any writer statement, so a stuck lock cannot hang the benchmark. */
const WRITER_STATEMENT_TIMEOUT = '10s';

export type Scenario = 'baseline' | 'pgpart' | 'bare' | 'floor';

export interface PhaseResult {
  /** Latency of every writer transaction that started in the window and committed, ms. */
  latencies: number[];
  failures: number;
  errors: string[];
  windowMs: number;
  /** Time of each family-creating transaction, ms (empty for the baseline). */
  maintenance: number[];
}

/** One database per scenario, set up with the month the writers write to. */
export interface Target {
  scenario: Scenario;
  db: FreshDatabase;
  writeMonth: Month;
  /** floor: the identity sequences it sets as id defaults, as pgpart does on 14–16. */
  seq: Sequences | null;
}

export async function prepare(scenario: Scenario, writeMonth: Month): Promise<Target> {
  const db = await freshDatabase(`bench_writers_${scenario}`);
  try {
    if (scenario === 'bare') {
      await db.client.query(tweetParentDdl);
      await db.client.query(starParentDdl);
      await db.client.query(bareFamily(writeMonth));
    } else {
      await install(db.url, familyConfig);
      await db.client.query(pgpartEnsure(writeMonth));
    }
    await db.client.query('ANALYZE');
    return { scenario, db, writeMonth, seq: scenario === 'floor' ? await identitySequences(db.client) : null };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

interface Writers {
  start(): void;
  stop(): Promise<PhaseResult>;
}

function startWriters(clients: pg.Client[], month: Month, star: boolean): Writers {
  let running = true;
  let recording = false;
  let windowStart = 0;
  let windowEnd = 0;
  const latencies: number[] = [];
  const errors: string[] = [];
  let failures = 0;
  // Middle of the existing month: every row goes to the same, already attached partitions.
  const createdAt = `${month.key}-15 12:00:00+00`;

  const loop = async (c: pg.Client, w: number): Promise<void> => {
    let i = 0;
    while (running) {
      const counted = recording;
      const t0 = performance.now();
      try {
        await c.query('BEGIN');
        const t = await c.query<{ id: string; created_at: Date }>({
          name: 'ins_tweet',
          text: 'INSERT INTO public.tweet (json, "user", created_at) VALUES ($1, $2, $3) RETURNING id, created_at',
          values: [`{"w":${w},"i":${i}}`, `user${w}`, createdAt],
        });
        const row = t.rows[0];
        if (!row) throw new Error('INSERT … RETURNING returned no row');
        if (star) {
          await c.query({
            name: 'ins_star',
            text: 'INSERT INTO public.star ("user", tweet_id, tweet_created_at) VALUES ($1, $2, $3)',
            values: [`fan${w}`, row.id, row.created_at],
          });
        }
        await c.query('COMMIT');
        if (counted) latencies.push(performance.now() - t0);
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        if (counted) {
          failures++;
          if (errors.length < 5) errors.push(err instanceof Error ? err.message : String(err));
        }
      }
      i++;
    }
  };
  const loops = clients.map((c, w) => loop(c, w));
  return {
    start() {
      windowStart = performance.now();
      recording = true;
    },
    async stop() {
      recording = false;
      windowEnd = performance.now();
      running = false;
      await Promise.all(loops);
      return { latencies, failures, errors, windowMs: windowEnd - windowStart, maintenance: [] };
    },
  };
}

/**
 * One measured window on the database at `url`: start the writers (tweet + star per
 * transaction, or tweet alone when `star` is false) on `month`, warm them up, open the
 * window, run `work` on a fifth connection, close the window when it returns. `work`
 * returns the times of its maintenance transactions (or nothing to report). `writers` and
 * `statementTimeout` change the number of writers and their statement_timeout (a bound, so
 * that a stuck lock cannot hang the benchmark).
 */
export async function measuredWindow(
  url: string,
  month: Month,
  work: (maint: pg.Client) => Promise<number[]>,
  opts: { star?: boolean; writers?: number; statementTimeout?: string } = {},
): Promise<PhaseResult> {
  const writerClients: pg.Client[] = [];
  const maint = await connect(url);
  try {
    for (let i = 0; i < (opts.writers ?? WRITERS); i++) {
      const c = await connect(url);
      await c.query(`SET statement_timeout = '${opts.statementTimeout ?? WRITER_STATEMENT_TIMEOUT}'`);
      writerClients.push(c);
    }
    const writers = startWriters(writerClients, month, opts.star ?? true);
    await sleep(WARMUP_MS);
    writers.start();
    // The writers are stopped even when the work fails, so their loops end before the connections.
    const done = await work(maint).then(
      (maintenance) => ({ ok: true as const, maintenance }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const result = await writers.stop();
    if (!done.ok) throw done.error;
    return { ...result, maintenance: done.maintenance };
  } finally {
    await Promise.all([maint, ...writerClients].map((c) => c.end().catch(() => {})));
  }
}

/**
 * One measured phase on `target`: warm up the writers, open the window, create `families`
 * one per transaction (or sleep `baselineMs`), close the window.
 */
export async function phase(target: Target, families: readonly Month[], baselineMs: number): Promise<PhaseResult> {
  return measuredWindow(target.db.url, target.writeMonth, async (maint) => {
    const maintenance: number[] = [];
    if (target.scenario === 'baseline') {
      await sleep(baselineMs);
    } else {
      for (const m of families) {
        const sql = target.scenario === 'pgpart' ? pgpartEnsure(m) : target.scenario === 'floor' ? bareAttachFamily(m, target.seq) : bareFamily(m);
        const r = await timed(maint, sql);
        if (target.scenario === 'pgpart' && r.rows[0]?.n !== 2) throw new Error(`ensure_partition('tweet', '${m.key}') did not create a family`);
        maintenance.push(r.ms);
      }
    }
    return maintenance;
  });
}
