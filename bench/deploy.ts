// Part 5: writers during a deploy. Four writers insert a tweet and its star per transaction
// into the current month, in a loop, while a config change is installed: a column, an index
// on it and a new dependent model (reply → tweet), over 12 months of tweet + star holding
// rows. A fifth session holds a transaction open for 5 s (it inserted a tweet, so it holds
// ROW EXCLUSIVE on tweet and the month's partition) from just before the deploy. Scenarios:
//   baseline    no deploy, the same window;
//   unchanged   psql -f of the install.sql the database already has;
//   apply       `pgpart apply` of the change (copies built CONCURRENTLY after the transaction);
//   psql -f     install.sql of the change (copies built in the transaction).
// Reported: failed writes, the writers' p50/p99/worst transaction (the holder aside), how
// long the deploy took and what it printed about locks. Each scenario runs on a fresh
// database, ROUNDS times, interleaved.

import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { configSchema, type ConfigInput } from '../src/config/schema.js';
import { cli, writeConfig } from '../test/harness/cli.js';
import { freshDatabase, psqlFile, type FreshDatabase } from '../test/harness/db.js';
import { install, writeInstallSql } from '../test/harness/install.js';
import { connect, sleep } from './conn.js';
import { familyConfig, months, pgpartEnsure, type Month } from './schema.js';
import { size } from './mode.js';
import { max, ms, percentile, table } from './stats.js';
import { measuredWindow, WRITERS, type PhaseResult } from './writers.js';

const run = promisify(execFile);

export const DEPLOY_ROUNDS = size(2, 1);
const MONTHS = 12;
const ROWS_PER_MONTH = size(20_000, 2_000);
export const HOLD_MS = size(5_000, 1_500);

/** The settings the deploy runs under: the config's defaults. */
const DEFAULTS = configSchema.parse(familyConfig);

type Scenario = 'baseline' | 'unchanged' | 'apply' | 'psql';
const SCENARIOS: Scenario[] = ['baseline', 'unchanged', 'apply', 'psql'];

/** The change deployed: a column, an index on it, a dependent. */
const grown: ConfigInput = (() => {
  const c = structuredClone(familyConfig) as ConfigInput & { models: Record<string, Record<string, any>> };
  c.models.tweet!.columns = { ...c.models.tweet!.columns, lang: "text not null default 'en'" };
  c.models.tweet!.indexes = [{ columns: ['lang'] }];
  c.models.reply = {
    columns: { id: 'bigint generated always as identity', body: 'text' },
    primaryKey: ['id'],
    partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
  };
  return c;
})();

interface Round {
  writers: PhaseResult;
  deployMs: number;
  /** What the deploy said about its locks, if anything (retries, refusals). */
  note: string;
}

async function setup(span: Month[]): Promise<FreshDatabase> {
  const db = await freshDatabase('bench_deploy');
  await install(db.url, familyConfig);
  for (const m of span) await db.client.query(pgpartEnsure(m));
  for (const m of span) {
    await db.client.query(`
      WITH t AS (INSERT INTO tweet (json, "user", created_at)
                 SELECT '{}', 'u' || g, $1::timestamptz + (g % 27) * interval '1 day' FROM generate_series(1, $2::int) g
                 RETURNING id, created_at)
      INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'f', id, created_at FROM t`, [m.lower, ROWS_PER_MONTH]);
  }
  await db.client.query('VACUUM ANALYZE');
  return db;
}

async function deploy(db: FreshDatabase, scenario: Scenario): Promise<{ ms: number; note: string }> {
  const t0 = performance.now();
  let note = '';
  if (scenario === 'baseline') {
    await sleep(HOLD_MS + 1000);
  } else if (scenario === 'unchanged') {
    const r = await psqlFile(db.url, writeInstallSql(familyConfig));
    if (r.code !== 0) throw new Error(`unchanged install failed: ${r.stderr}`);
  } else if (scenario === 'psql') {
    const r = await psqlFile(db.url, writeInstallSql(grown));
    if (r.code !== 0) note = r.stderr.match(/ERROR: {2}(.*)/)?.[1] ?? 'failed';
  } else {
    const r = await run(process.execPath, [cli, 'apply', '--config', writeConfig(grown), '--database-url', db.url])
      .catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: `failed: ${err.stderr ?? ''}` }));
    const retries = r.stdout.match(/trying again/g)?.length ?? 0;
    note = `${retries} retr${retries === 1 ? 'y' : 'ies'} of the install${r.stderr ? `; ${r.stderr.trim().split('\n')[0]}` : ''}`;
  }
  return { ms: performance.now() - t0, note };
}

export async function part5(log: (msg: string) => void): Promise<Record<Scenario, Round[]>> {
  const span = months(-(MONTHS - 1), MONTHS);
  const writeMonth = span[span.length - 1]!;
  const out: Record<Scenario, Round[]> = { baseline: [], unchanged: [], apply: [], psql: [] };
  for (let r = 0; r < DEPLOY_ROUNDS; r++) {
    const order = r % 2 === 0 ? SCENARIOS : [...SCENARIOS].reverse();
    for (const scenario of order) {
      const db = await setup(span);
      try {
        let d = { ms: 0, note: '' };
        const writers = await measuredWindow(db.url, writeMonth, async () => {
          // The long transaction, from just before the deploy.
          const holder = await connect(db.url);
          await holder.query('BEGIN');
          await holder.query(`INSERT INTO tweet (json, "user", created_at) VALUES ('{}', 'holder', $1)`, [`${writeMonth.key}-20 12:00:00+00`]);
          const held = sleep(HOLD_MS).then(() => holder.query('COMMIT')).finally(() => holder.end());
          await sleep(200);
          d = await deploy(db, scenario);
          await held;
          return [d.ms];
        });
        out[scenario].push({ writers, deployMs: d.ms, note: d.note });
        log(`  part 5 round ${r + 1}/${DEPLOY_ROUNDS}: ${scenario} done (deploy ${ms(d.ms)} ms${d.note ? `, ${d.note}` : ''})`);
      } finally {
        await db.drop();
      }
    }
  }
  return out;
}

export function formatPart5(res: Record<Scenario, Round[]>): string {
  const label: Record<Scenario, string> = {
    baseline: 'no deploy',
    unchanged: 'unchanged install (`psql -f install.sql`)',
    apply: '`pgpart apply`: column + index + dependent',
    psql: '`psql -f install.sql`: the same change',
  };
  const base = res.baseline.flatMap((r) => r.writers.latencies);
  const rows = SCENARIOS.map((s) => {
    const lat = res[s].flatMap((r) => r.writers.latencies);
    const failed = res[s].reduce((n, r) => n + r.writers.failures, 0);
    const worst = res[s].map((r) => max(r.writers.latencies));
    return [
      label[s], String(lat.length), String(failed), ms(percentile(lat, 50)), ms(percentile(lat, 99)),
      `${ms(max(lat))} (${worst.map(ms).join(', ')})`,
      s === 'baseline' ? '' : res[s].map((r) => ms(r.deployMs)).join(', '),
      [...new Set(res[s].map((r) => r.note).filter(Boolean))].join('; '),
    ];
  });
  return [
    `${WRITERS} writers (tweet + star per transaction) into the current month; ${MONTHS} months of tweet + star with ${ROWS_PER_MONTH.toLocaleString('en')} pairs each; `
      + `a fifth session holds a transaction on tweet (ROW EXCLUSIVE) for ${HOLD_MS / 1000} s from 200 ms before the deploy; lockTimeout ${DEFAULTS.lockTimeout}, lockTries ${DEFAULTS.lockTries} (the defaults). `
      + `${DEPLOY_ROUNDS} rounds per scenario, each on a fresh database; worst per round in brackets. Times in ms.`,
    '',
    table(['scenario', 'writer txns', 'failed', 'p50', 'p99', 'worst (per round)', 'deploy took', 'deploy notes'], rows),
    '',
    `Baseline worst: ${ms(max(base))} ms.`,
  ].join('\n');
}
