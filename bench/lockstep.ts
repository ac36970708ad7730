// Part 16: what binding the key costs. (a) Insert throughput of a tweet and its star per
// transaction (BEGIN; INSERT tweet RETURNING; INSERT star; COMMIT) from 2 connections, into
// the current month of the same pgpart install, with its partition foreign keys over both
// columns (today's), over the declared column alone (an older pgpart's), and with none (the
// floor), rounds interleaved. (b) Upgrading 1,000 families (tweet + star, monthly) made by the
// frozen revision-2 install script to today's with `pgpart apply` (each star partition's
// foreign key looked over for mismatched rows, made again NOT VALID in the install's
// transaction, validated after it) while 4 writers each insert a tweet and its star per
// transaction into the current month: the writers' worst stall against their worst without
// the upgrade in the same database, and how many of their transactions failed.

import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { ConfigInput } from '../src/config/schema.js';
import { freshDatabase, psqlFile } from '../test/harness/db.js';
import { cli, writeConfig } from '../test/harness/cli.js';
import { install } from '../test/harness/install.js';
import { connect } from './conn.js';
import { size } from './mode.js';
import { max, ms, percentile, ratio, table } from './stats.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures');

const TX_PER_ROUND = size(4_000, 800);
const ROUNDS = size(3, 1);
const FAMILIES = size(1_000, 200);
const UPGRADE_WRITERS = 4;

/** The config of test/fixtures/rev2 (upgrade.config.ts): monthly tweet, premake 1, a DEFAULT partition, star in lockstep. */
const config: ConfigInput = {
  models: {
    tweet: {
      columns: { id: 'bigint generated always as identity', user: 'text not null', created_at: 'timestamptz not null default now()' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'created_at', interval: '1 month', premake: 1, default: true },
    },
    star: {
      columns: { id: 'bigint generated always as identity', user: 'text not null' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
    },
  },
};

const PAIR = `WITH t AS (INSERT INTO tweet ("user") VALUES ('w') RETURNING id, created_at)
              INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'w', id, created_at FROM t`;

/** One tweet and its star per transaction, three statements and a commit, as an application writes them. */
async function pair(c: pg.Client): Promise<void> {
  await c.query('BEGIN');
  const { rows } = await c.query<{ id: string; created_at: Date }>(`INSERT INTO tweet ("user") VALUES ('w') RETURNING id, created_at::text AS created_at`);
  await c.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('w', $1, $2)`, [rows[0]!.id, rows[0]!.created_at]);
  await c.query('COMMIT');
}

type Shape = 'two' | 'one' | 'none';
const SHAPE_LABEL: Record<Shape, string> = {
  two: 'today: `(tweet_id, tweet_created_at) → (id, created_at)` ON UPDATE CASCADE',
  one: 'older pgpart: `(tweet_id) → (id)`',
  none: 'no foreign key (floor)',
};

/** Every star partition's foreign key made in the given shape. */
async function reshape(c: pg.Client, shape: Shape): Promise<void> {
  await c.query(`DO $$
    DECLARE r record;
    BEGIN
      FOR r IN SELECT k.conrelid::regclass AS rel, k.conname, k.confrelid::regclass AS target FROM pg_constraint k
                WHERE k.contype = 'f' AND k.conrelid::regclass::text LIKE 'star\\_%' LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.rel, r.conname);
      END LOOP;
      FOR r IN SELECT i.inhrelid::regclass AS rel, replace(i.inhrelid::regclass::text, 'star_', 'tweet_') AS target
                 FROM pg_inherits i WHERE i.inhparent = 'star'::regclass LOOP
        IF ${shape === 'none' ? 'false' : 'true'} THEN
          EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY %s REFERENCES %s %s', r.rel, r.rel || '_tweet_id_fkey',
                         ${shape === 'two' ? `'(tweet_id, tweet_created_at)', r.target, '(id, created_at) ON UPDATE CASCADE'` : `'(tweet_id)', r.target, '(id)'`});
        END IF;
      END LOOP;
    END $$`);
}

async function throughput(url: string): Promise<Map<Shape, number[]>> {
  const out = new Map<Shape, number[]>([['two', []], ['one', []], ['none', []]]);
  const conns = await Promise.all([connect(url), connect(url)]);
  const admin = await connect(url);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const shape of ['two', 'one', 'none'] as const) {
        await reshape(admin, shape);
        await admin.query('TRUNCATE star, tweet');
        for (const c of conns) for (let i = 0; i < 50; i++) await pair(c); // warm-up
        const t0 = performance.now();
        await Promise.all(conns.map(async (c) => { for (let i = 0; i < TX_PER_ROUND / conns.length; i++) await pair(c); }));
        out.get(shape)!.push(TX_PER_ROUND / ((performance.now() - t0) / 1000));
      }
    }
  } finally {
    await Promise.all([...conns, admin].map((c) => c.end()));
  }
  return out;
}

interface Upgrade { applyMs: number; baselineWorst: number; baselineP99: number; upgradeWorst: number; upgradeP99: number; tx: number; failed: number; code: number }

/** Writers into the current month, timing each transaction, until `stop` resolves. */
async function writers(url: string, stop: Promise<unknown>): Promise<{ lat: number[]; failed: number }> {
  const conns = await Promise.all(Array.from({ length: UPGRADE_WRITERS }, () => connect(url)));
  const lat: number[] = [];
  let failed = 0;
  let done = false;
  void stop.finally(() => { done = true; });
  await Promise.all(conns.map(async (c) => {
    while (!done) {
      const t0 = performance.now();
      try { await pair(c); } catch { failed++; await c.query('ROLLBACK').catch(() => {}); }
      lat.push(performance.now() - t0);
    }
  }));
  await Promise.all(conns.map((c) => c.end()));
  return { lat, failed };
}

async function upgrade(log: (m: string) => void): Promise<Upgrade> {
  const db = await freshDatabase('bench_lockstep_upgrade');
  try {
    const old = await psqlFile(db.url, path.join(fixtures, 'rev2', 'install.sql'));
    if (old.code !== 0) throw new Error(old.stderr);
    log(`part 18: ${FAMILIES} families made by the revision-2 runtime`);
    await db.client.query(`SELECT parting.ensure_partition('tweet', to_char(date_trunc('month', now()) - make_interval(months => g), 'YYYY-MM'))
                             FROM generate_series(1, ${FAMILIES - 2}) g`);
    await db.client.query(`${PAIR}`);
    // The writers alone, as long as the upgrade is expected to take, for their worst without it.
    const base = await writers(db.url, new Promise((r) => setTimeout(r, size(10_000, 3_000))));
    const t0 = performance.now();
    let code = 0;
    const applied = new Promise<void>((resolve) => {
      execFile(process.execPath, [cli, 'apply', '--config', writeConfig(config), '--database-url', db.url], { cwd: tmpdir(), maxBuffer: 64 << 20 },
        (err) => { code = (err as { code?: number } | null)?.code ?? 0; resolve(); });
    });
    const during = await writers(db.url, applied);
    const applyMs = performance.now() - t0;
    return {
      applyMs, baselineWorst: max(base.lat), baselineP99: percentile(base.lat, 99),
      upgradeWorst: max(during.lat), upgradeP99: percentile(during.lat, 99), tx: during.lat.length, failed: during.failed + base.failed, code,
    };
  } finally {
    await db.drop();
  }
}

export async function partLockstep(log: (m: string) => void): Promise<string> {
  const db = await freshDatabase('bench_lockstep_fk');
  let tp: Map<Shape, number[]>;
  try {
    await install(db.url, config);
    log(`part 18: tweet + star per transaction, ${ROUNDS} round(s) of ${TX_PER_ROUND} per shape`);
    tp = await throughput(db.url);
  } finally {
    await db.drop();
  }
  const best = (s: Shape) => Math.max(...tp.get(s)!);
  const up = await upgrade(log);
  return [
    `(a) Transactions per second, each \`BEGIN; INSERT tweet … RETURNING; INSERT star …; COMMIT\`, 2 connections, ${TX_PER_ROUND} per round, best of ${ROUNDS} interleaved round(s), the same database:`,
    '',
    table(['star partitions\' foreign key', 'tx/s', 'against no FK', 'against the one-column FK'],
      (['two', 'one', 'none'] as const).map((s) => [SHAPE_LABEL[s], best(s).toFixed(0), ratio(best(s), best('none')), ratio(best(s), best('one'))])),
    '',
    `(b) \`pgpart apply\` upgrading ${FAMILIES} families (and the DEFAULT partitions) made by the revision-2 install script, while ${UPGRADE_WRITERS} writers each insert a tweet and its star per transaction into the current month (exit ${up.code}, ${ms(up.applyMs)} ms in all):`,
    '',
    table(['', 'writers\' worst transaction (ms)', 'p99 (ms)', 'transactions', 'failed'], [
      ['writers alone, before', ms(up.baselineWorst), ms(up.baselineP99), '', ''],
      ['during the upgrade', ms(up.upgradeWorst), ms(up.upgradeP99), String(up.tx), String(up.failed)],
    ]),
  ].join('\n');
}
