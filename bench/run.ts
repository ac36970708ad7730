// pgpart benchmark, side by side with the bare-DDL floor and pg_partman 4.7, on one throwaway
// PostgreSQL 15 cluster (the test harness's). Prints Markdown to stdout, progress to stderr.
//
//   node --import tsx bench/run.ts
//
// 1. 36 monthly partitions of tweet: bare PARTITION OF, pgpart ensure_partition, pg_partman.
// 2. 36 tweet + star families with per-partition FKs: bare DDL vs pgpart.
// 3. Writer latency (4 writers) while 24 families are created: none, pgpart, the hand-written
//    floor of what pgpart does (LIKE + CHECK + indexes + FK + ATTACH), bare PARTITION OF.
// 4. Writer latency (4 writers) during run_maintenance (premake 2 + retire 12 families):
//    none, pgpart, bare DDL, pg_partman.
// 5. Writer latency (4 writers) during a deploy (a column, an index, a dependent) with a
//    5 s transaction open: none, unchanged install, pgpart apply, psql -f install.sql.
// 6. Scale: no-op run_maintenance, partitions(), partition_for(), check(), making a family,
//    planning, at 100 / 1,000 / 10,000 partitions of a daily family, against plain catalog
//    queries and the hand-written floor.
// 7. No-op maintenance of 1, 10, 50 families, cold and warm: pgpart vs pg_partman.
// 8. A long reader (ACCESS SHARE on tweet for 12 s) while a month is retired and 2 premade:
//    writers' worst stall under pgpart, `pgpart maintain`, pg_partman, plain DDL, and
//    pgpart's lockTimeout against the steps it skips.
// 9. Partition foreign keys: star insert throughput and retiring a month with pgpart's
//    per-partition FKs, a partition-level FK, and none.
// 10. Draining 100k rows out of the DEFAULT partitions while 2 writers run.
// 11. `pgpart build` wall time for 1, 10, 100 models against `node -e 0`.
// 12. Planning after downtime (an hourly model a day and a year behind) and the parents'
//     ANALYZE at 100 and 1,000 partitions (bench/catchup.ts).
// 13. Moving a family to another tablespace: set_tablespace vs `pgpart move --online`
//     (pg_repack), under writers (bench/move.ts).
// 14. A detach behind another role's reader, as the tables' owner (not a superuser) and as a
//     superuser: writers' worst stall and stall count against the reader alone (bench/roles.ts).
// 15. Adopting a live family (tweet N, star 2N, reply N plain rows): pgpart's batched copy
//     under writers against a bare INSERT … SELECT into the same partitioned tables, the
//     writers' p99 against no adoption, the swap's time, pg_partman's partition_data_proc on
//     the parent alone (bench/adopt.ts).
// 16. Five hourly families grown to 50,000 partitions: no-op maintenance cold and warm, an
//     unchanged install, plan, adding a column, partitions(), check(), partition_for, making
//     a family, each against its floor (bench/hourly.ts).
// 17. pgpart on Citus (a coordinator and 2 workers on this machine) against one plain server:
//     writers while families are made and retired (bench/citus.ts).
// 18. The lockstep FK over the key column: tweet + star insert throughput with the two-column,
//     one-column and no FK; upgrading 1,000 families from the revision-2 install under 4 writers.
// 19. Integer-range models (a bigint-keyed root and its dependent) at 100 and 10,000
//     partitions: no-op maintenance warm and cold, the largest size against 100 (bench/intnoop.ts).
// Each method runs in its own fresh database; everything is bounded by counts.
// BENCH_PARTS=3,4 runs only those parts (all of them by default). --quick (or BENCH_QUICK=1)
// runs every part smaller, with fewer rounds, to check the benchmark works (bench/mode.ts).

import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startCluster } from '../test/harness/cluster.js';
import { connect } from './conn.js';
import {
  bareFamilies,
  bareTweet,
  partmanCreateParent,
  partmanPerPartition,
  pgpartFamilies,
  pgpartTweet,
  type CreationResult,
} from './creation.js';
import { DEPLOY_ROUNDS, formatPart5, HOLD_MS, part5 } from './deploy.js';
import { formatPart4, MAINTENANCE_ROUNDS, OLD_MONTHS, part4 } from './maintenance.js';
import { QUICK, size } from './mode.js';
import { formatPart11, MODEL_COUNTS, part11 } from './build.js';
import { partCatchUp } from './catchup.js';
import { HOURLY_SIZES, partHourly } from './hourly.js';
import { INT_SIZES, partIntNoop } from './intnoop.js';
import { MOVE_WRITERS, partMove } from './move.js';
import { formatPartRoles, partRoles, ROLES_HOLD_MS } from './roles.js';
import { ADOPT_ROWS, partAdopt } from './adopt.js';
import { partCitus } from './citus.js';
import { formatPart10, part10 } from './drain.js';
import { FAMILY_COUNTS, formatPart7, part7 } from './families.js';
import { formatPart9, part9 } from './fk.js';
import { partLockstep } from './lockstep.js';
import { formatPart8, part8, READER_HOLD_MS } from './reader.js';
import { formatPart6, part6, SCALE_SIZES } from './scale.js';
import { months } from './schema.js';
import { max, ms, percentile, ratio, table } from './stats.js';
import { phase, prepare, WRITERS, type PhaseResult, type Scenario, type Target } from './writers.js';

const PARTITIONS = 36; // 3 years of months
const FAMILIES_UNDER_LOAD = 24;
const ROUNDS = size(4, 1); // part 3: each scenario measured this many times, interleaved, samples pooled
const REPEATS = size(3, 1); // parts 1 and 2: each method run this many times (fresh database each), interleaved

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** The parts to run: BENCH_PARTS=1,4 (default all). */
const PARTS = new Set((process.env.BENCH_PARTS ?? '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19').split(',').map((x) => Number(x.trim())));

/** The commit measured, and whether the runtime (sql/, src/) differed from it. */
function revision(): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--', 'sql', 'src', 'templates');
    return `pgpart at commit ${head}${dirty ? ' with uncommitted changes in sql/ or src/' : ''}`;
  } catch {
    return 'pgpart (no git revision available)';
  }
}

async function machine(url: string): Promise<string[]> {
  const c = await connect(url);
  try {
    const v = await c.query<{ version: string; fsync: string; sc: string; fpw: string }>(
      `SELECT version() AS version, current_setting('fsync') AS fsync,
              current_setting('synchronous_commit') AS sc, current_setting('full_page_writes') AS fpw`,
    );
    const row = v.rows[0];
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    return [
      `- CPU: ${os.availableParallelism()} × ${cpu.trim()} (nproc ${os.availableParallelism()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`,
      `- Server: ${row?.version ?? '?'}`,
      `- Server settings (throwaway test cluster): fsync=${row?.fsync}, synchronous_commit=${row?.sc}, full_page_writes=${row?.fpw}; client and server on loopback`,
      `- Client: Node ${process.version}, node-postgres; times are wall-clock round trips measured by the client`,
      `- Code: ${revision()}`,
    ];
  } finally {
    await c.end();
  }
}

function perTxnRow(r: CreationResult, bare: CreationResult, partman: CreationResult | undefined, unit: number): string[] {
  const med = percentile(r.perTxn, 50);
  const p95 = percentile(r.perTxn, 95);
  const onePerTxn = r.perTxn.length > 0;
  // A total over fewer partitions than the others is not comparable with theirs.
  const same = r.timed === unit;
  const totalRatio = (other: CreationResult | undefined): string =>
    !other ? 'n/a' : same ? ratio(r.total, other.total) : `n/a (${r.timed} of ${unit})`;
  return [
    r.method,
    r.partitions,
    onePerTxn ? `${r.perTxn.length / REPEATS} × ${REPEATS}` : `1 × ${REPEATS}`,
    onePerTxn ? ms(med) : `n/a (mean ${ms(r.total / unit)})`,
    onePerTxn ? ms(p95) : 'n/a',
    ms(r.total),
    onePerTxn ? ratio(med, percentile(bare.perTxn, 50)) : 'n/a',
    totalRatio(bare),
    totalRatio(partman),
  ];
}

type Repeated = CreationResult & { totals: number[] };

/** How totals and percentiles were pooled, and each run's total (the spread is the noise). */
const totalsNote = (rs: readonly Repeated[]): string[] => [
  `- Totals are the median of ${REPEATS} runs (fresh database each); medians and p95s are over all ${REPEATS} runs' transactions. Per-run totals, ms:`,
  ...rs.map((r) => `  ${r.method}: ${r.totals.map(ms).join(', ')}`),
];

function part1(results: { bare: Repeated; pgpart: Repeated; partman: Repeated; partmanEach: Repeated }): string {
  const { bare, pgpart, partman, partmanEach } = results;
  const header = ['method', 'partitions attached', 'txns × runs', 'median ms / partition', 'p95 ms', 'total ms', 'median ÷ bare', 'total ÷ bare', 'total ÷ partman create_parent'];
  const rows = [bare, pgpart, partman, partmanEach].map((r) => perTxnRow(r, bare, partman, PARTITIONS));
  const notes = [partman, partmanEach].filter((r) => r.note).map((r) => `- ${r.method}: ${r.note}`);
  return [table(header, rows), '', ...notes, ...totalsNote([bare, pgpart, partman, partmanEach])].join('\n');
}

function part2(bare: Repeated, pgpart: Repeated): string {
  const header = ['method', 'result', 'txns × runs', 'median ms / family', 'p95 ms', 'total ms', 'median ÷ bare', 'total ÷ bare'];
  const row = (r: CreationResult): string[] => [
    r.method,
    r.partitions,
    `${r.perTxn.length / REPEATS} × ${REPEATS}`,
    ms(percentile(r.perTxn, 50)),
    ms(percentile(r.perTxn, 95)),
    ms(r.total),
    ratio(percentile(r.perTxn, 50), percentile(bare.perTxn, 50)),
    ratio(r.total, bare.total),
  ];
  const partman = [
    'pg_partman 4.7',
    'not supported',
    '—', '—', '—', '—', '—', '—',
  ];
  return [
    table(header, [row(bare), row(pgpart), partman]),
    '',
    '- pg_partman cannot give each partition of star a foreign key to the tweet partition of the same month: on PostgreSQL 11+ it leaves',
    '  foreign keys to PostgreSQL, which copies a key declared on the parent `star` to every partition with the same target (all of `tweet`).',
    ...totalsNote([bare, pgpart]),
  ].join('\n');
}

/**
 * Runs every method REPEATS times, rotating their order each repetition, in a fresh
 * database each time. Per-transaction samples are pooled; the total is the median of the
 * repetitions' totals (the per-repetition totals are kept for the notes).
 */
async function repeated<K extends string>(methods: Record<K, () => Promise<CreationResult>>): Promise<Record<K, CreationResult & { totals: number[] }>> {
  const keys = Object.keys(methods) as K[];
  const runs = new Map<K, CreationResult[]>(keys.map((k) => [k, []]));
  for (let rep = 0; rep < REPEATS; rep++) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(i + rep) % keys.length] as K;
      runs.get(k)?.push(await methods[k]());
    }
  }
  const out = {} as Record<K, CreationResult & { totals: number[] }>;
  for (const k of keys) {
    const rs = runs.get(k) ?? [];
    const first = rs[0];
    if (!first) throw new Error(`no run of ${k}`);
    const totals = rs.map((r) => r.total);
    out[k] = { ...first, perTxn: rs.flatMap((r) => r.perTxn), total: percentile(totals, 50), totals };
  }
  return out;
}

interface Pooled {
  latencies: number[];
  failures: number;
  errors: string[];
  windowMs: number;
  maintenance: number[];
}

function pool(phases: readonly PhaseResult[]): Pooled {
  return {
    latencies: phases.flatMap((p) => p.latencies),
    failures: phases.reduce((a, p) => a + p.failures, 0),
    errors: phases.flatMap((p) => p.errors).slice(0, 5),
    windowMs: phases.reduce((a, p) => a + p.windowMs, 0),
    maintenance: phases.flatMap((p) => p.maintenance),
  };
}

function part3(res: Record<Scenario, Pooled>, phases: Record<Scenario, PhaseResult[]>): string {
  const base = res.baseline;
  const bare = res.bare;
  const floor = res.floor;
  const header = [
    'maintenance during the window', 'window s', 'writer txns', 'txns/s', 'p50 ms', 'p99 ms', 'max ms', 'failed',
    'p99 ÷ no maintenance', 'max ÷ no maintenance', 'p99 ÷ floor', 'max ÷ floor', 'p99 ÷ bare', 'max ÷ bare', 'median ms / family created',
  ];
  const label: Record<Scenario, string> = {
    baseline: '(a) none (baseline)',
    pgpart: `(b) pgpart \`ensure_partition\`, ${FAMILIES_UNDER_LOAD} families × ${ROUNDS}`,
    floor: `(d) the floor by hand: LIKE + CHECK + indexes + FK, then ATTACH (what ensure_partition does), ${FAMILIES_UNDER_LOAD} × ${ROUNDS}`,
    bare: `(c) bare \`CREATE TABLE … PARTITION OF\` family DDL, ${FAMILIES_UNDER_LOAD} × ${ROUNDS}`,
  };
  const scenarios = ['baseline', 'pgpart', 'floor', 'bare'] as const;
  const rows = scenarios.map((s) => {
    const r = res[s];
    const p99 = percentile(r.latencies, 99);
    const mx = max(r.latencies);
    return [
      label[s],
      (r.windowMs / 1000).toFixed(2),
      String(r.latencies.length),
      (r.latencies.length / (r.windowMs / 1000)).toFixed(0),
      ms(percentile(r.latencies, 50)),
      ms(p99),
      ms(mx),
      String(r.failures),
      ratio(p99, percentile(base.latencies, 99)),
      ratio(mx, max(base.latencies)),
      ratio(p99, percentile(floor.latencies, 99)),
      ratio(mx, max(floor.latencies)),
      ratio(p99, percentile(bare.latencies, 99)),
      ratio(mx, max(bare.latencies)),
      r.maintenance.length ? ms(percentile(r.maintenance, 50)) : '—',
    ];
  });
  const errs = scenarios.flatMap((s) => res[s].errors.map((e) => `- ${s}: ${e}`));
  const perRound = scenarios.map(
    (s) => `  ${label[s]}: ${phases[s].map((p) => `${ms(percentile(p.latencies, 99))} / ${ms(max(p.latencies))}`).join(', ')}`,
  );
  return [
    table(header, rows),
    '',
    `- ${ROUNDS} rounds, scenarios interleaved (pgpart, the floor and bare take turns going first; the baseline runs last, as long as the`,
    '  longest of the round\'s windows); each round creates the next 24 months. Latency is BEGIN → INSERT tweet … RETURNING → INSERT star → COMMIT,',
    '  for every transaction started inside the window. Writers ran 0.5 s before each window opened.',
    '- (d) runs on pgpart\'s parents (installed, as for b) the hand-written DDL of bench/days.ts, one transaction and one round trip per',
    '  family: the same tables, id default, bound CHECK, indexes, foreign key and ATTACHes as ensure_partition, without its bookkeeping',
    '  (family lock, lock probe, history rows). It is the floor of what creating a family this way costs the writers.',
    '- Writer p99 / max per round, ms:',
    ...perRound,
    ...(errs.length ? ['', 'First errors:', ...errs] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const loadStart = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  log('starting a throwaway PostgreSQL 15 cluster');
  const cluster = await startCluster(15);
  // The harness's freshDatabase() and install() find the server through this variable.
  process.env.PGPART_TEST_DATABASE_URL = cluster.url;
  try {
    const info = await machine(cluster.url);
    // pg_partman's create_parent counts from now(), so every method partitions the same
    // 36 months: the current UTC month and the 35 after it.
    const span = months(0, PARTITIONS);

    const sections: string[] = [];
    // Each part's wall time, for the header (the full run has to fit in a time budget).
    const partTimes: [number, number][] = [];
    let partStart = performance.now();
    const partDone = (n: number): void => {
      if (PARTS.has(n)) partTimes.push([n, (performance.now() - partStart) / 1000]);
      partStart = performance.now();
    };

    if (PARTS.has(1)) {
      log(`part 1: ${PARTITIONS} partitions of tweet, ${REPEATS} times each`);
      const p1 = await repeated({
        bare: () => bareTweet(span),
        pgpart: () => pgpartTweet(span),
        partman: () => partmanCreateParent(span),
        partmanEach: () => partmanPerPartition(span),
      });
      sections.push(`## 1. ${PARTITIONS} monthly partitions of \`tweet\` (nothing else running)`, '', part1(p1), '');
    }
    partDone(1);

    if (PARTS.has(2)) {
      log(`part 2: ${PARTITIONS} tweet + star families, ${REPEATS} times each`);
      const p2 = await repeated({ bare: () => bareFamilies(span), pgpart: () => pgpartFamilies(span) });
      sections.push(
        `## 2. ${PARTITIONS} families \`tweet_X\` + \`star_X\` with \`star_X (tweet_id, tweet_created_at) → tweet_X (id, created_at)\` (nothing else running)`,
        '',
        part2(p2.bare, p2.pgpart),
        '',
      );
    }
    partDone(2);

    if (PARTS.has(3)) {
      log(`part 3: ${WRITERS} writers, ${FAMILIES_UNDER_LOAD} families per round, ${ROUNDS} rounds`);
      const writeMonth = months(0, 1)[0];
      if (!writeMonth) throw new Error('no month');
      const targets: Record<Scenario, Target> = {
        baseline: await prepare('baseline', writeMonth),
        pgpart: await prepare('pgpart', writeMonth),
        bare: await prepare('bare', writeMonth),
        floor: await prepare('floor', writeMonth),
      };
      const phases: Record<Scenario, PhaseResult[]> = { baseline: [], pgpart: [], bare: [], floor: [] };
      try {
        for (let r = 0; r < ROUNDS; r++) {
          // Fresh months each round (the next 24 after the previous round's).
          const fams = months(1 + r * FAMILIES_UNDER_LOAD, FAMILIES_UNDER_LOAD);
          const turns: Scenario[] = ['pgpart', 'floor', 'bare'];
          const order = turns.map((_, i) => turns[(i + r) % turns.length]!);
          for (const s of order) phases[s].push(await phase(targets[s], fams, 0));
          // The baseline runs as long as the longest of this round's maintenance windows.
          const d = Math.max(...order.map((s) => phases[s][r]?.windowMs ?? 0));
          phases.baseline.push(await phase(targets.baseline, [], d));
          log(`  round ${r + 1}/${ROUNDS} done`);
        }
      } finally {
        await Promise.all(Object.values(targets).map((t) => t.db.drop().catch(() => {})));
      }
      const pooled = { baseline: pool(phases.baseline), pgpart: pool(phases.pgpart), bare: pool(phases.bare), floor: pool(phases.floor) };
      sections.push(
        `## 3. Writer latency: ${WRITERS} writers (tweet + star per transaction) while ${FAMILIES_UNDER_LOAD} new families are created, one per transaction`,
        '',
        part3(pooled, phases),
        '',
      );
    }
    partDone(3);

    if (PARTS.has(4)) {
      log(`part 4: ${WRITERS} writers during run_maintenance (premake 2, retire ${OLD_MONTHS} families), ${MAINTENANCE_ROUNDS} rounds`);
      const p4 = await part4(log);
      sections.push(
        `## 4. Writer latency during \`run_maintenance\`: ${WRITERS} writers while 2 families are premade and ${OLD_MONTHS} old ones retired`,
        '',
        formatPart4(p4),
        '',
      );
    }
    partDone(4);

    if (PARTS.has(5)) {
      log(`part 5: ${WRITERS} writers during a deploy with a ${HOLD_MS / 1000} s transaction open, ${DEPLOY_ROUNDS} rounds`);
      sections.push(
        `## 5. Writer latency during a deploy: ${WRITERS} writers while a column, an index and a dependent model are installed`,
        '',
        formatPart5(await part5(log)),
        '',
      );
    }
    partDone(5);

    if (PARTS.has(6)) {
      log(`part 6: scale curve at ${SCALE_SIZES.map((n) => n.toLocaleString('en')).join(' / ')} partitions of a daily tweet + star family`);
      sections.push(
        `## 6. Scale: pgpart's calls at ${SCALE_SIZES.map((n) => n.toLocaleString('en')).join(' / ')} partitions of one daily \`tweet\` + \`star\` family (half tweet's, half star's)`,
        '',
        formatPart6(await part6(log)),
        '',
      );
    }
    partDone(6);

    if (PARTS.has(7)) {
      log(`part 7: no-op maintenance of ${FAMILY_COUNTS.join(' / ')} families, pgpart and pg_partman`);
      sections.push(
        `## 7. No-op maintenance of ${FAMILY_COUNTS.join(' / ')} families: \`CALL parting.run_maintenance()\` vs pg_partman 4.7 \`CALL partman.run_maintenance_proc()\``,
        '',
        formatPart7(await part7(log)),
        '',
      );
    }
    partDone(7);

    if (PARTS.has(8)) {
      log(`part 8: a ${READER_HOLD_MS / 1000} s reader on tweet while a month is retired and 2 premade, ${WRITERS} writers`);
      sections.push(
        `## 8. A long reader: ACCESS SHARE on \`tweet\` for ${READER_HOLD_MS / 1000} s while maintenance retires a month and premakes 2; ${WRITERS} writers`,
        '',
        formatPart8(await part8(log)),
        '',
      );
    }
    partDone(8);

    if (PARTS.has(9)) {
      log('part 9: star inserts and retiring a month with per-partition FKs, a partition-level FK, none');
      sections.push(
        '## 9. Partition foreign keys: star inserts and retiring a month, with pgpart\'s per-partition FKs, a partition-level FK, and none',
        '',
        formatPart9(await part9(log)),
        '',
      );
    }
    partDone(9);

    if (PARTS.has(10)) {
      log('part 10: draining the DEFAULT partitions while 2 writers run');
      sections.push(
        '## 10. Draining the DEFAULT partitions: `run_maintenance` moves the rows waiting in `tweet_default` / `star_default` while 2 writers run',
        '',
        formatPart10(await part10(log)),
        '',
      );
    }
    partDone(10);

    if (PARTS.has(11)) {
      log(`part 11: pgpart build for ${MODEL_COUNTS.join(' / ')} models against node -e 0`);
      sections.push(
        `## 11. \`pgpart build\` wall time (process start included) for ${MODEL_COUNTS.join(' / ')} models, against \`node -e 0\``,
        '',
        formatPart11(await part11(log)),
        '',
      );
    }
    partDone(11);

    if (PARTS.has(12)) {
      log('part 12: planning after downtime, ANALYZE of the parents');
      sections.push('## 12. Catch-up after downtime and ANALYZE of the partitioned parents', '', await partCatchUp(log, QUICK), '');
    }
    partDone(12);

    if (PARTS.has(13)) {
      log('part 13: moving a family to another tablespace, set_tablespace and pgpart move --online');
      sections.push(`## 13. Moving a family's partition to another tablespace (${MOVE_WRITERS} writers into that month)`, '', await partMove(log), '');
    }
    partDone(13);

    if (PARTS.has(14)) {
      log(`part 14: a ${ROLES_HOLD_MS / 1000} s reader of another role while maintenance retires a month, as the owner and as a superuser`);
      sections.push(
        `## 14. Roles: a ${ROLES_HOLD_MS / 1000} s reader of another role while \`run_maintenance\` retires a month, as the tables' owner (not a superuser) and as a superuser; ${WRITERS} writers`,
        '',
        formatPartRoles(await partRoles(log)),
        '',
      );
    }
    partDone(14);

    if (PARTS.has(15)) {
      log(`part 15: adopting a live family of ${ADOPT_ROWS} tweets, ${2 * ADOPT_ROWS} stars, ${ADOPT_ROWS} replies`);
      sections.push(`## 15. Adopting a live family: ${ADOPT_ROWS.toLocaleString('en-US')} tweets and ${(3 * ADOPT_ROWS).toLocaleString('en-US')} dependent rows`, '', await partAdopt(log), '');
    }
    partDone(15);

    if (PARTS.has(16)) {
      log(`part 16: five hourly families at ${HOURLY_SIZES.join(', ')} partitions: every everyday operation against its floor`);
      sections.push(`## 16. Every operation at up to ${HOURLY_SIZES[HOURLY_SIZES.length - 1]!.toLocaleString('en')} partitions (five hourly families of a root and a dependent)`, '', await partHourly(log), '');
    }
    partDone(16);

    if (PARTS.has(17)) {
      log('part 17: pgpart on Citus against one plain server, writers while families are made and retired');
      sections.push(`## 17. pgpart on Citus (coordinator + 2 workers) against one plain server: ${WRITERS} writers while families are made and retired`, '', await partCitus(log), '');
    }
    partDone(17);

    if (PARTS.has(18)) {
      log('part 18: the lockstep FK over the key column: insert throughput, upgrading 1,000 families under writers');
      sections.push('## 18. The partition foreign key over the key column: what it costs writers, and the upgrade to it', '', await partLockstep(log), '');
    }
    partDone(18);

    if (PARTS.has(19)) {
      log(`part 19: integer-range models at ${INT_SIZES.join(', ')} partitions: no-op maintenance warm and cold`);
      sections.push(
        `## 19. No-op maintenance of integer-range models at ${INT_SIZES.map((x) => x.toLocaleString('en')).join(' / ')} partitions (a bigint-keyed root and its dependent)`,
        '',
        await partIntNoop(log),
        '',
      );
    }
    partDone(19);

    const elapsed = (performance.now() - t0) / 1000;
    const flags = [process.env.BENCH_PARTS ? `BENCH_PARTS=${process.env.BENCH_PARTS} ` : '', QUICK && process.env.BENCH_QUICK === '1' ? 'BENCH_QUICK=1 ' : ''].join('');
    const args = QUICK && process.env.BENCH_QUICK !== '1' ? ' --quick' : '';
    const loadEnd = os.loadavg().map((x) => x.toFixed(2)).join(' ');
    const out = [
      '# pgpart benchmark',
      '',
      ...info,
      `- Command: \`${flags}node --import tsx bench/run.ts${args}\` (this run: ${elapsed.toFixed(0)} s from cluster start to the end of the last part${QUICK ? '; quick mode: smaller sizes, fewer rounds, numbers only to check the benchmark runs' : ''})`,
      `- Wall time per part: ${partTimes.map(([n, secs]) => `${n}: ${secs.toFixed(0)} s`).join(', ')}`,
      `- Load average (1, 5, 15 min) at start: ${loadStart}; at end: ${loadEnd} (the machine is shared; other processes compete for the ${os.availableParallelism()} cores)`,
      '',
      ...sections,
    ];
    process.stdout.write(out.join('\n'));
  } finally {
    await cluster.stop();
    log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
