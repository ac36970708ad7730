// `pgpart status` and `pgpart check`, the built CLI in a child process.
// status, on a family with a detached and an archived month, rows waiting in its DEFAULT
// partition and maintenance runs done: every partition with its state, tablespace and a
// human size, the default's rows (bounded: `100000+`), the last run's time, counts and the
// steps of that run (and only that run) that were skipped; --model narrows to one model,
// an unknown one is the database's error (exit 2); --json is parting.partitions() and the
// rest as data; colour on a terminal only.
// check: a healthy install exits 0 with "no problems"; problems made by hand are listed
// with their fixes (exit 1); --repair fixes the repairable ones, says what it did, and
// exits 1 only for what it must leave. Both, on a database without pgpart: exit 2 and one
// line.

import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { cli, runCli } from '../harness/cli.js';
import { freshDatabase, withClients, type FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { logged, month, monthlyTweetStar, pidOf, rows, scalar } from './helpers.js';
import { untilOlder } from './wait.js';

const ANSI = /\x1b\[/;

interface PartitionJson {
  model: string; partition: string; key: string | null; lower: string | null; upper: string | null; is_default: boolean;
  parent_partition: string | null; tablespace: string | null; total_bytes: number; state: string;
}
interface StatusJson {
  models: {
    model: string; table: string; root: string; partitions: number; totalBytes: number;
    default: { partition: string; rows: number; more: boolean } | null;
    lastRun?: { at: string; detail: Record<string, number>; failed: number; skipped: number; problems: { action: string; partition: string | null; error: string | null }[] } | null;
  }[];
  partitions: PartitionJson[];
}
interface ProblemJson { model: string | null; partition: string | null; key: string | null; problem: string; detail: string | null; fix: string | null; repairable: boolean }
interface CheckJson { repair?: { problem: string; partition: string | null; outcome: string; detail: string | null }[]; problems: ProblemJson[] }

/** parting.partitions() as the CLI's JSON carries it (names as this session prints them, sizes as numbers). */
const partitionsNow = (db: FreshDatabase, model: string | null = null) => rows<PartitionJson>(db.client, `
  SELECT model, partition::text AS partition, key, lower, upper, is_default, parent_partition::text AS parent_partition,
         tablespace::text AS tablespace, total_bytes::float8 AS total_bytes, state
    FROM parting.partitions($1)`, [model]);

/** The size as a person reads it, computed here on its own: bytes, then kB or MB with one decimal. */
function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `2026-05-12 10:15:03 UTC`, the way status prints a time. */
const utc = (at: Date): string => `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const [DETACHED, ARCHIVED, KEPT, AHEAD, LATE] = [month(-3), month(-2), month(-1), month(1), month(6)];

/** tweet/star by month with DEFAULT partitions; a short lockTimeout and one try, so a held lock skips a step at once. */
const config: ConfigInput = { ...monthlyTweetStar({ premake: 1, initial: true, default: true }), lockTimeout: '200ms', lockTries: 1 };

const Status = suite<{ db?: FreshDatabase }>('pgpart status', {});
Status.before((ctx) => logged('setup', async () => {
  const db = ctx.db = await installed('cli_status', config);
  const c = db.client;
  for (const m of [DETACHED, ARCHIVED, KEPT]) {
    await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [m.key]);
    await c.query(`WITH t AS (INSERT INTO tweet ("user", created_at) VALUES ('u', $1) RETURNING id, created_at)
                   INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 's', id, created_at FROM t`, [m.at()]);
  }
  await c.query(`SELECT parting.detach_partition('tweet', $1)`, [DETACHED.key]);
  await c.query(`SELECT parting.detach_partition('tweet', $1, 'archive')`, [ARCHIVED.key]);
  // Next month's family gone, so maintenance has a partition to make; two rows of it wait in
  // the default partition, with three of a month premake does not reach.
  await c.query(`DROP TABLE star_${AHEAD.suffix}, tweet_${AHEAD.suffix}`);
  await c.query(`INSERT INTO tweet ("user", created_at) VALUES ('a', $1), ('b', $1), ('c', $2), ('d', $2), ('e', $2)`, [AHEAD.at(), LATE.at()]);
  // The first run: another session holds the parent, so the create step is skipped.
  // Older than lockTimeout by the server's clock, so the step does not even ask.
  await withClients(db.url, 2, async ([holder, runner]) => {
    await holder!.query('BEGIN');
    await holder!.query('LOCK TABLE tweet IN SHARE UPDATE EXCLUSIVE MODE');
    await untilOlder(runner!, await pidOf(holder!), '200ms');
    await runner!.query('CALL parting.run_maintenance()');
    await holder!.query('ROLLBACK');
  });
}));
Status.after(async (ctx) => ctx.db?.drop());

Status('a run with a step skipped: its time, its counts and the skipped step, with why', async (ctx) => {
  const db = ctx.db!;
  const at = await scalar<Date>(db.client, `SELECT max(at) FROM parting.history WHERE model = 'tweet' AND action = 'maintained'`);
  const r = await runCli(['status', '--database-url', db.url, '--model', 'tweet']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`\n  last maintenance: ${escape(utc(at))} \\(\\d+ (s|min|h|days) ago\\), took \\d+ ms: create:skipped 1; 1 skipped\n`), r.stdout);
  assert.match(r.stdout, new RegExp(`\n    skipped tweet_${AHEAD.suffix}: could not take the locks on public\\.tweet`), r.stdout);
  assert.match(r.stdout, '\n  default partition tweet_default: 5 row(s) waiting\n');
});

Status('after the next run: each partition with its state, tablespace and size; the default\'s rows; the run\'s time and counts', async (ctx) => {
  const db = ctx.db!;
  await db.client.query('CALL parting.run_maintenance()');
  const r = await runCli(['status', '--database-url', db.url]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.not.match(r.stdout, ANSI, 'no colour when piped');
  const parts = await partitionsNow(db);
  assert.equal(parts.map((p) => `${p.partition} ${p.state}`), [
    `tweet_${KEPT.suffix}`, `tweet_${month(0).suffix}`, `tweet_${AHEAD.suffix}`, 'tweet_default',
    `tweet_${DETACHED.suffix}`, `archive.tweet_${ARCHIVED.suffix}`,
    `star_${KEPT.suffix}`, `star_${month(0).suffix}`, `star_${AHEAD.suffix}`, 'star_default',
    `star_${DETACHED.suffix}`, `archive.star_${ARCHIVED.suffix}`,
  ].map((p, i) => `${p} ${i % 6 === 4 ? 'detached' : i % 6 === 5 ? 'archived' : 'attached'}`));
  for (const p of parts) {
    assert.match(size(p.total_bytes), /^\d+\.\d kB$/);
    assert.match(r.stdout, new RegExp(`\n {3}${escape(p.partition)} +${p.key} .*  ${p.state}  ${p.tablespace} +${escape(size(p.total_bytes))}\n`),
      `${p.partition}, ${p.state}, ${size(p.total_bytes)}:\n${r.stdout}`);
  }
  // A dependent's partitions name the parent's partition they reference.
  assert.match(r.stdout, new RegExp(`\n {3}archive\\.star_${ARCHIVED.suffix} +.* archive\\.tweet_${ARCHIVED.suffix} +archived `));
  const tweetBytes = parts.filter((p) => p.model === 'tweet').reduce((n, p) => n + p.total_bytes, 0);
  assert.match(r.stdout, new RegExp(`^tweet  public\\.tweet: 6 partition\\(s\\), ${escape(size(tweetBytes))}\n`));
  assert.match(r.stdout, '\n  default partition tweet_default: 3 row(s) waiting\n');
  assert.match(r.stdout, '\n  default partition star_default: empty\n');
  // This run's row, and its counts; the skip of the run before is not this run's.
  const at = await scalar<Date>(db.client, `SELECT max(at) FROM parting.history WHERE model = 'tweet' AND action = 'maintained'`);
  assert.match(r.stdout, new RegExp(`\n  last maintenance: ${escape(utc(at))} \\(\\d+ (s|min|h|days) ago\\), took \\d+ ms: create:done 1; no failures\n`), r.stdout);
  assert.match(r.stdout, "\nstar  public.star: 6 partition(s), ");
  assert.match(r.stdout, "(in tweet's family, maintained with it)\n");
  assert.is(r.stdout.match(/last maintenance/g)?.length, 1, 'a dependent has no run of its own');
});

Status('--model narrows to one model; an unknown model is the database\'s error, exit 2', async (ctx) => {
  const db = ctx.db!;
  const star = await runCli(['status', '--database-url', db.url, '--model', 'star']);
  assert.is(star.code, 0, star.stderr);
  assert.match(star.stdout, /^star  public\.star: 6 partition\(s\)/);
  assert.not.match(star.stdout, /^tweet/m);
  assert.not.match(star.stdout, /^ {3}tweet_/m, 'no partition of tweet listed');
  assert.not.match(star.stdout, 'last maintenance');
  const tweet = await runCli(['status', '--database-url', db.url, '-m', 'tweet']);
  assert.is(tweet.code, 0, tweet.stderr);
  assert.not.match(tweet.stdout, 'star');
  assert.is(tweet.stdout.match(/^ {3}tweet_|^ {3}archive\.tweet_/gm)?.length, 6);
  const unknown = await runCli(['status', '--database-url', db.url, '--model', 'twet']);
  assert.is(unknown.code, 2);
  assert.is(unknown.stdout, '');
  assert.is(unknown.stderr, 'database error: unknown model "twet"\ndetail: models: star, tweet\n');
});

Status('--json: parting.partitions(), the defaults\' rows and the last runs, as one document', async (ctx) => {
  const db = ctx.db!;
  const r = await runCli(['status', '--database-url', db.url, '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout, ANSI);
  const doc = JSON.parse(r.stdout) as StatusJson;
  assert.equal(doc.partitions, await partitionsNow(db));
  assert.equal(doc.models.map((m) => [m.model, m.root, m.partitions, m.default]), [
    ['tweet', 'tweet', 6, { partition: 'tweet_default', rows: 3, more: false }],
    ['star', 'tweet', 6, { partition: 'star_default', rows: 0, more: false }],
  ]);
  const tweet = doc.models[0]!;
  assert.is(tweet.totalBytes, doc.partitions.filter((p) => p.model === 'tweet').reduce((n, p) => n + p.total_bytes, 0));
  const at = await scalar<Date>(db.client, `SELECT max(at) FROM parting.history WHERE model = 'tweet' AND action = 'maintained'`);
  assert.is(tweet.lastRun?.at, at.toISOString());
  assert.equal([tweet.lastRun?.detail, tweet.lastRun?.failed, tweet.lastRun?.skipped, tweet.lastRun?.problems], [{ 'create:done': 1 }, 0, 0, []]);
  assert.ok(!('lastRun' in doc.models[1]!), 'star is maintained with tweet');
  const one = JSON.parse((await runCli(['status', '--database-url', db.url, '--json', '--model', 'star'])).stdout) as StatusJson;
  assert.equal(one.models.map((m) => m.model), ['star']);
  assert.equal(one.partitions, await partitionsNow(db, 'star'));
});

Status('on a terminal, states and outcomes in colour (piped, as above, none)', async (ctx) => {
  const db = ctx.db!;
  // script(1) gives the CLI a pseudo-terminal; NO_COLOR (which the test runner sets) would turn colour off.
  const env = { ...process.env };
  delete env.NO_COLOR;
  const tty = spawnSync('script', ['-qfec', `"${process.execPath}" "${cli}" status --database-url "${db.url}"`, '/dev/null'], { encoding: 'utf8', env });
  assert.is(tty.status, 0, tty.stderr);
  assert.match(tty.stdout, /\x1b\[32mattached\x1b\[0m/);
  assert.match(tty.stdout, /\x1b\[33mdetached\x1b\[0m/);
  assert.match(tty.stdout, /\x1b\[32mno failures\x1b\[0m/);
  // The columns still line up: widths are measured without the escapes.
  const plain = tty.stdout.replace(/\x1b\[\d+m/g, '').replace(/\r/g, '');
  const piped = await runCli(['status', '--database-url', db.url], env);
  assert.is(plain.replace(/\(\d+ (s|min|h|days) ago\)/g, ''), piped.stdout.replace(/\(\d+ (s|min|h|days) ago\)/g, ''));
});

Status('a default partition past 100,000 rows is counted up to there: `100000+`', async (ctx) => {
  const db = ctx.db!;
  await db.client.query(`INSERT INTO tweet ("user", created_at) SELECT 'many', $1::timestamptz + g * interval '1 second'
                           FROM generate_series(1, 100001) g`, [month(7).at(1)]);
  const r = await runCli(['status', '--database-url', db.url, '--model', 'tweet']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, '\n  default partition tweet_default: 100000+ row(s) waiting\n');
  const doc = JSON.parse((await runCli(['status', '--database-url', db.url, '--json', '--model', 'tweet'])).stdout) as StatusJson;
  assert.equal(doc.models[0]!.default, { partition: 'tweet_default', rows: 100000, more: true });
  await db.client.query(`DELETE FROM tweet_default WHERE "user" = 'many'`);
});

Status.run();

const Check = suite<{ db?: FreshDatabase }>('pgpart check', {});
Check.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('cli_check', monthlyTweetStar({ premake: 2, initial: true, default: true })));
});
Check.after(async (ctx) => ctx.db?.drop());

const problemsNow = (db: FreshDatabase) =>
  rows<ProblemJson>(db.client, 'SELECT model, partition, key, problem, detail, fix, repairable FROM parting.check()');

Check('a healthy install: "no problems", exit 0', async (ctx) => {
  const r = await runCli(['check', '--database-url', ctx.db!.url]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.is(r.stdout, 'no problems\n');
  assert.is(r.stderr, '');
  const json = await runCli(['check', '--database-url', ctx.db!.url, '--json']);
  assert.is(json.code, 0);
  assert.equal(JSON.parse(json.stdout), { problems: [] });
});

Check('problems made by hand are listed with their fixes, exit 1; --json is parting.check()', async (ctx) => {
  const db = ctx.db!;
  const m = month(1).suffix;
  // The foreign key first: it needs the index dropped next.
  await db.client.query(`ALTER TABLE star_${m} DROP CONSTRAINT star_${m}_tweet_id_fkey`);
  await db.client.query(`DROP INDEX tweet_${m}_id_uniq`);
  await db.client.query('CREATE TABLE tweet_2099_01 (LIKE tweet)');
  const r = await runCli(['check', '--database-url', db.url]);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.is(r.stderr, '');
  assert.not.match(r.stdout, ANSI);
  assert.match(r.stdout, /^3 problem\(s\): 2 repairable by `pgpart check --repair`, 1 left to you\n/);
  for (const p of await problemsNow(db)) {
    assert.match(r.stdout, new RegExp(`\n {2}\\d\\. ${escape(p.problem)} ${escape(p.partition!)} \\(${p.model}\\)\n {5}${escape(p.detail!)}\n {5}repair: ${escape(p.fix!)}\n`),
      `${p.problem}:\n${r.stdout}`);
  }
  assert.match(r.stdout, `missing foreign key public.star_${m} (star)\n     no star_${m}_tweet_id_fkey to public.tweet_${m}\n     repair: add it NOT VALID, then validate it\n`);
  assert.match(r.stdout, `missing index public.tweet_${m} (tweet)\n     no tweet_${m}_id_uniq (id)\n     repair: build it`);
  assert.match(r.stdout, 'orphan table public.tweet_2099_01 (tweet)\n     named and shaped like a partition of public.tweet');
  const json = await runCli(['check', '--database-url', db.url, '--json']);
  assert.is(json.code, 1);
  assert.equal(JSON.parse(json.stdout), { problems: await problemsNow(db) });
});

Check('--repair fixes the repairable problems, says what it did, and exits 1 for the orphan table it leaves; once dropped, 0', async (ctx) => {
  const db = ctx.db!;
  const m = month(1).suffix;
  const r = await runCli(['check', '--database-url', db.url, '--repair']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.is(r.stderr, '');
  assert.match(r.stdout, /^repair: 2 repaired, 1 left\n/);
  assert.match(r.stdout, `\n  repaired  missing index public.tweet_${m} (tweet): build it`);
  assert.match(r.stdout, `\n  repaired  missing foreign key public.star_${m} (star): add it NOT VALID, then validate it\n`);
  assert.match(r.stdout, '\n  left      orphan table public.tweet_2099_01 (tweet): none: attach it');
  assert.match(r.stdout, /\n\ncheck after the repair:\n1 problem\(s\): 0 repairable by `pgpart check --repair`, 1 left to you\n {2}1\. orphan table public\.tweet_2099_01 \(tweet\)\n/);
  // What it said it did is in the catalog, and logged.
  assert.ok(await scalar(db.client, `SELECT indisvalid FROM pg_index WHERE indexrelid = $1::regclass`, [`tweet_${m}_id_uniq`]));
  assert.ok(await scalar(db.client, `SELECT convalidated FROM pg_constraint WHERE conname = $1`, [`star_${m}_tweet_id_fkey`]));
  assert.equal(await rows(db.client, `SELECT partition, detail->>'problem' AS problem FROM parting.history WHERE action = 'repaired' ORDER BY id`), [
    { partition: `public.tweet_${m}`, problem: 'missing index' },
    { partition: `public.star_${m}`, problem: 'missing foreign key' },
  ]);
  await db.client.query('DROP TABLE tweet_2099_01');
  const after = await runCli(['check', '--database-url', db.url]);
  assert.is(after.code, 0, after.stdout);
  assert.is(after.stdout, 'no problems\n');
  const again = await runCli(['check', '--database-url', db.url, '--repair', '--json']);
  assert.is(again.code, 0, again.stdout);
  assert.equal(JSON.parse(again.stdout), { repair: [], problems: [] });
});

Check.run();

const Missing = suite('pgpart status and check without pgpart');

Missing('on a database without pgpart: exit 2 and one line, for each command and option', async () => {
  const db = await freshDatabase('cli_not_installed');
  try {
    // A parting schema of someone else's, without parting.meta, is not pgpart either.
    await db.client.query('CREATE SCHEMA parting');
    for (const args of [['status'], ['status', '--json'], ['status', '--model', 'tweet'], ['check'], ['check', '--repair'], ['check', '--json']]) {
      const r = await runCli([...args, '--database-url', db.url]);
      assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.is(r.stderr, 'pgpart is not installed in this database\n', args.join(' '));
      assert.is(r.stdout, '', args.join(' '));
    }
    assert.is(await scalar(db.client, `SELECT count(*)::int FROM pg_class WHERE relnamespace = 'parting'::regnamespace`), 0, 'nothing was made');
  } finally {
    await db.drop();
  }
});

Missing.run();
