// Part 14: maintenance behind another role's reader, run as the tables' owner (not a
// superuser) and as a superuser (as pg_cron runs it). The owner may not read the reader's
// session in pg_stat_activity (its transaction start is NULL to it); the lock probe must
// still see that the reader will not let go within lockTimeout and not ask for the lock,
// as it does for the superuser, who sees when the reader began.
//
// Each round, on a database owned by a role that is not a superuser (the install's owner),
// with roles `reader` and `app` around it: a session of `reader` runs `BEGIN; SELECT
// count(*) FROM tweet` and stays in that transaction for HOLD_MS; LEAD_MS after it began,
// CALL parting.run_maintenance() retires one month (retention keep '2 months', detach) and
// premakes 2, as the owner or as the superuser; four `app` writers insert a tweet and its
// star per transaction into the current month all along. Scenarios, interleaved per round:
//   none        the reader alone (the writers' floor, measured in the same round);
//   superuser   maintenance as the cluster's superuser;
//   owner       maintenance as the owner.
// Reported: the writers' worst transaction, their p99, and how many transactions stalled
// (took longer than STALL_MS, a third of the default lockTimeout), each against the floor.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { configSchema } from '../src/config/schema.js';
import { psqlFile, quoteIdent } from '../test/harness/db.js';
import { writeInstallSql } from '../test/harness/install.js';
import { roleDatabase, type RoleDatabase } from '../test/harness/roles.js';
import { connect, sleep } from './conn.js';
import { seed } from './maintenance.js';
import { size } from './mode.js';
import { months, pgpartEnsure, withTweetPartition, type Month } from './schema.js';
import { max, ms, percentile, ratio, table } from './stats.js';
import { measuredWindow, WRITERS, type PhaseResult } from './writers.js';

export const ROLES_HOLD_MS = size(6_000, 1_500);
const LEAD_MS = 1_000;
export const ROLES_ROUNDS = size(3, 1);
const STALL_MS = 100;
const WRITER_TIMEOUT = '60s';

type Scenario = 'none' | 'superuser' | 'owner';
const ORDER: readonly Scenario[] = ['none', 'superuser', 'owner'];
const LABEL: Record<Scenario, string> = {
  none: '(a) none: the reader alone',
  superuser: '(b) `CALL parting.run_maintenance()` as a superuser (pg_cron)',
  owner: '(c) the same as the owner (not a superuser: the reader\'s start is hidden from it)',
};

const config = withTweetPartition({ premake: 2, retention: { keep: '2 months', action: 'detach' } });
const DEFAULTS = configSchema.parse(config);

interface Round { phase: PhaseResult; wallMs: number; retire: string }

async function setup(): Promise<{ db: RoleDatabase; due: Month; current: Month }> {
  const db = await roleDatabase('bench_roles', { reader: 'LOGIN', app: 'LOGIN' });
  const [due, ...kept] = months(-3, 4);
  const current = months(0, 1)[0]!;
  const r = await psqlFile(db.url('owner'), writeInstallSql(config));
  if (r.code !== 0) throw new Error(`install as the owner failed: ${r.stderr}`);
  const owner = await connect(db.url('owner'));
  try {
    for (const m of [due!, ...kept]) await owner.query(pgpartEnsure(m));
    await seed(owner, [due!, ...kept], true);
    await owner.query(`GRANT SELECT ON public.tweet, public.star TO ${quoteIdent(db.roles.reader!)}`);
    await owner.query(`GRANT SELECT, INSERT ON public.tweet, public.star TO ${quoteIdent(db.roles.app!)}`);
    await owner.query('ANALYZE');
  } finally {
    await owner.end();
  }
  return { db, due: due!, current };
}

/** The reader's transaction: ACCESS SHARE on tweet and its partitions for HOLD_MS. */
async function hold(url: string): Promise<void> {
  const reader = await connect(url);
  try {
    const t0 = performance.now();
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM public.tweet');
    await reader.query('SELECT pg_sleep($1)', [Math.max(0, ROLES_HOLD_MS - (performance.now() - t0)) / 1000]);
    await reader.query('COMMIT');
  } finally {
    await reader.end().catch(() => {});
  }
}

async function round(s: Scenario, log: (msg: string) => void): Promise<Round> {
  const { db, due, current } = await setup();
  try {
    const maintUrl = s === 'superuser' ? db.adminUrl : db.url('owner');
    const maint = await connect(maintUrl);
    let wallMs = 0;
    let retire = '—';
    try {
      const since = Number((await maint.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM parting.history')).rows[0]!.id);
      const phase = await measuredWindow(db.url('app'), current, async () => {
        const held = hold(db.url('reader'));
        await sleep(LEAD_MS);
        if (s !== 'none') {
          const t0 = performance.now();
          await maint.query('CALL parting.run_maintenance()');
          wallMs = performance.now() - t0;
        }
        await held;
        return [wallMs];
      }, { star: true, statementTimeout: WRITER_TIMEOUT });
      if (s !== 'none') {
        const r = await maint.query<{ retire: string | null }>(
          `SELECT string_agg(action || CASE WHEN action IN ('skipped', 'failed') THEN ': ' || (detail ->> 'error') ELSE '' END, '; ') AS retire
             FROM parting.history WHERE id > $1 AND partition = $2 AND action IN ('detached', 'skipped', 'failed')`,
          [since, `tweet_${due.suffix}`]);
        retire = r.rows[0]!.retire ?? 'not tried';
      }
      const l = phase.latencies;
      log(`  ${s}: worst writer ${ms(max(l))} ms, stalls ${l.filter((x) => x > STALL_MS).length}, maintenance ${ms(wallMs)} ms`);
      return { phase, wallMs, retire };
    } finally {
      await maint.end();
    }
  } finally {
    await db.drop();
  }
}

export type PartRoles = Record<Scenario, Round[]>;

export async function partRoles(log: (msg: string) => void): Promise<PartRoles> {
  const out: PartRoles = { none: [], superuser: [], owner: [] };
  for (let i = 0; i < ROLES_ROUNDS; i++) {
    for (const s of ORDER) out[s].push(await round(s, log));
  }
  return out;
}

export function formatPartRoles(p: PartRoles): string {
  const worst = (rs: Round[]) => max(rs.map((r) => max(r.phase.latencies)));
  const floor = worst(p.none);
  const rows = ORDER.map((s) => {
    const rs = p[s];
    const all = rs.flatMap((r) => r.phase.latencies);
    const stalls = all.filter((x) => x > STALL_MS).length;
    return [
      LABEL[s],
      String(all.length),
      String(rs.reduce((n, r) => n + r.phase.failures, 0)),
      ms(percentile(all, 99)),
      ms(worst(rs)),
      s === 'none' ? '1.0' : ratio(worst(rs), floor),
      String(stalls),
      s === 'none' ? '—' : ms(percentile(rs.map((r) => r.wallMs), 50)),
      s === 'none' ? '—' : [...new Set(rs.map((r) => r.retire))].join(' / '),
    ];
  });
  return [
    table(['maintenance', 'writer txns', 'failed', 'p99 ms', 'worst stall ms', 'worst ÷ floor (a)', `stalls (> ${STALL_MS} ms)`,
      'maintenance wall ms (median)', 'month due: retire'], rows),
    '',
    `- ${ROLES_ROUNDS} round(s), each scenario on a fresh database owned by a role that is not a superuser, interleaved; samples pooled.`,
    `- The reader (another role, granted SELECT): \`BEGIN; SELECT count(*) FROM tweet;\` then \`pg_sleep\` until ${ROLES_HOLD_MS / 1000} s after its BEGIN;`,
    `  maintenance starts ${LEAD_MS / 1000} s after the BEGIN (lockTimeout ${DEFAULTS.lockTimeout}, lockTries ${DEFAULTS.lockTries}). ${WRITERS} writers`,
    '  of a third role insert a tweet and its star per transaction into the current month; latency is BEGIN → COMMIT of every',
    `  transaction started in the window; statement_timeout ${WRITER_TIMEOUT}, so a stall shows as latency.`,
    '- Goal: the owner\'s row like the superuser\'s: the probe does not ask for the detach\'s lock behind the reader, so no writer',
    '  queues behind a request (at most one lockTimeout stall if it ever did).',
  ].join('\n');
}
