// pgpart on Citus against the same on one plain server: writers on the coordinator while
// families are made and retired.
//
//   node --import tsx bench/citus.ts      (or as part 17 of bench/run.ts)
//
// Two targets, each a fresh database with the benchmark's tweet + star family (tweet
// distributed by id on Citus, star colocated by tweet_id): the bench's plain PostgreSQL 15
// server, and a Citus 13 cluster of the same PostgreSQL 15 binaries on this machine (a
// coordinator and two workers: test/harness/citus.ts). In each, 4 writers insert a tweet and
// its star per transaction into the current month through the (coordinator's) connection,
// while a fifth session makes FAMILIES families (ensure_partition, one per transaction),
// then retires them (detach_partition … 'drop', one per transaction); a window of the same
// length with no maintenance is the floor each is compared with. Reported per target:
// writer latency (median, p99, worst) with and without the maintenance, and the median time
// to make and to retire one family. Where Citus is not installed, the part says so and
// measures nothing.

import { existsSync } from 'node:fs';
import type pg from 'pg';
import type { ConfigInput } from '../src/config/schema.js';
import { citusDatabase, startCitus, type CitusCluster } from '../test/harness/citus.js';
import { freshDatabase, type FreshDatabase } from '../test/harness/db.js';
import { install } from '../test/harness/install.js';
import { sleep, timed } from './conn.js';
import { isMain, runAlone, size } from './mode.js';
import { familyConfig, months, pgpartEnsure, type Month } from './schema.js';
import { max, ms, percentile, ratio, table } from './stats.js';
import { measuredWindow, WRITERS, type PhaseResult } from './writers.js';

let log = (msg: string): void => void process.stderr.write(`[bench citus] ${msg}\n`);

const FAMILIES = size(12, 3);
const ROUNDS = size(3, 1);

/** The benchmark family, tweet distributed by id (star follows, colocated). */
function distributedConfig(): ConfigInput {
  const cfg = structuredClone(familyConfig) as ConfigInput & { models: Record<string, Record<string, unknown>> };
  cfg.models.tweet!.distribution = { column: 'id' };
  return cfg;
}

interface Round { work: PhaseResult; floor: PhaseResult; make: number[]; retire: number[] }

async function measure(db: FreshDatabase, now: Month, future: Month[]): Promise<Round> {
  const make: number[] = [];
  const retire: number[] = [];
  const work = await measuredWindow(db.url, now, async (maint: pg.Client) => {
    for (const m of future) {
      const r = await timed(maint, pgpartEnsure(m));
      if (r.rows[0]?.n !== 2) throw new Error(`ensure_partition('tweet', '${m.key}') did not make a family`);
      make.push(r.ms);
    }
    for (const m of future) retire.push((await timed(maint, `SELECT count(*) FROM parting.detach_partition('tweet', '${m.key}', 'drop')`)).ms);
    return [...make, ...retire];
  });
  const floor = await measuredWindow(db.url, now, async () => {
    await sleep(work.windowMs);
    return [];
  });
  return { work, floor, make, retire };
}

interface Pooled { name: string; work: number[]; floor: number[]; failures: number; errors: string[]; make: number[]; retire: number[] }

async function target(name: string, db: FreshDatabase, config: ConfigInput): Promise<Pooled> {
  const [now] = months(0, 1) as [Month];
  await install(db.url, config);
  await db.client.query(pgpartEnsure(now));
  await db.client.query('ANALYZE');
  const out: Pooled = { name, work: [], floor: [], failures: 0, errors: [], make: [], retire: [] };
  for (let r = 0; r < ROUNDS; r++) {
    log(`${name}: round ${r + 1} of ${ROUNDS}`);
    const round = await measure(db, now, months(1 + r * FAMILIES, FAMILIES));
    out.work.push(...round.work.latencies);
    out.floor.push(...round.floor.latencies);
    out.failures += round.work.failures + round.floor.failures;
    out.errors.push(...round.work.errors, ...round.floor.errors);
    out.make.push(...round.make);
    out.retire.push(...round.retire);
  }
  return out;
}

export async function partCitus(logTo?: (msg: string) => void): Promise<string> {
  if (logTo) log = logTo;
  if (!existsSync('/usr/share/postgresql/15/extension/citus.control')) {
    return 'Not run: Citus is not installed for PostgreSQL 15 on this machine (it is built from source; Debian does not package it).';
  }
  const results: Pooled[] = [];
  const plain = await freshDatabase('bench_citus_plain');
  try {
    results.push(await target('one plain server', plain, familyConfig));
  } finally {
    await plain.drop();
  }
  let cluster: CitusCluster | undefined;
  try {
    cluster = await startCitus(15);
    const db = await citusDatabase(cluster, 'bench_citus');
    try {
      results.push(await target('Citus: coordinator + 2 workers', db, distributedConfig()));
    } finally {
      await db.drop();
    }
  } finally {
    await cluster?.stop();
  }
  const [p, c] = results as [Pooled, Pooled];
  const rows = results.map((r) => [
    r.name,
    `${ms(percentile(r.floor, 50))} / ${ms(percentile(r.floor, 99))} / ${ms(max(r.floor))}`,
    `${ms(percentile(r.work, 50))} / ${ms(percentile(r.work, 99))} / ${ms(max(r.work))}`,
    ratio(max(r.work), max(r.floor)),
    ms(percentile(r.make, 50)), ms(max(r.make)),
    ms(percentile(r.retire, 50)), ms(max(r.retire)),
    String(r.work.length), String(r.failures),
  ]);
  return [
    table(['target', 'writers, no maintenance: p50 / p99 / worst ms', 'writers while families are made and retired: p50 / p99 / worst ms',
      'worst vs its floor', 'make a family: p50 ms', 'worst ms', 'retire (drop) a family: p50 ms', 'worst ms', 'writer txns', 'failed'], rows),
    '',
    `- Citus against the plain server: writers' median ${ratio(percentile(c.work, 50), percentile(p.work, 50))}, worst ${ratio(max(c.work), max(p.work))}; `
      + `making a family ${ratio(percentile(c.make, 50), percentile(p.make, 50))}, retiring one ${ratio(percentile(c.retire, 50), percentile(p.retire, 50))} (medians).`,
    `- ${WRITERS} writers, each a tweet and its star per transaction into the current month; ${FAMILIES} families made then dropped per round, ${ROUNDS} round(s),`
      + ' samples pooled; the floor is a window as long with no maintenance, measured right after.',
    '- All nodes are PostgreSQL 15 clusters on this one machine (Citus: 4 shards per table, citus.shard_count = 4), so the Citus figures include its'
      + ' distributed DDL over local connections, not network latency.',
    ...(c.errors.length || p.errors.length ? [`- Errors seen: ${[...p.errors, ...c.errors].slice(0, 3).join(' | ')}`] : []),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  await runAlone('pgpart on Citus against one plain server: writers while families are made and retired', () => partCitus());
}
