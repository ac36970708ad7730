// pg_cron integration: install.sql's `schedule` makes one pg_cron job,
// 'pgpart maintenance', that runs CALL parting.run_maintenance() in its database; without
// pg_cron in the database it is a NOTICE (with the command to run in cron.database_name)
// and NULL, never an error. pg_cron works only in cron.database_name, which the harness
// sets to `postgres`, the cluster's admin database: the second suite installs pgpart there
// and its after() hook removes every trace of it (other tests use `postgres` only to make
// their own databases). The suites need pg_cron: on a major this machine has no pg_cron for
// they are reported as not run, with the reason; on PostgreSQL 15, which must have it, the
// harness preloads it, and a cluster without it fails these tests.

import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { install, writeInstallSql } from '../harness/install.js';
import { adminUrl, freshDatabase, newClient, preloadCron, psqlFile, type FreshDatabase } from '../harness/db.js';
import { suiteNeeding } from '../harness/needs.js';
import { roleDatabase, type RoleDatabase } from '../harness/roles.js';
import { suite } from 'uvu';
import { column, logged, monthlyTweetStar, rows, scalar } from './helpers.js';
import { until } from './wait.js';

const JOB = 'pgpart maintenance';
const COMMAND = 'CALL parting.run_maintenance()';
/**
 * Schedules pg_cron accepts and never runs (an hour of 31 February): the jobs exist, but no
 * run starts in the middle of an install or a check, except in the test that waits for one.
 */
const never = (hour: number): string => `0 ${hour} 31 2 *`;
const NEVER = never(0);
const NEVER_EITHER = never(1);
/**
 * pg_cron 1.4.2 runs '* * * * *' at the top of each minute, so a run comes within a minute,
 * plus its own time: this only guards against a run that never comes.
 */
const RUN_GUARD_MS = 300_000;

const NO_CRON =
  'pg_cron is not preloaded in the test cluster (PGPART_TEST_PRELOAD_CRON != 1): the harness preloads it whenever ' +
  'the Debian package postgresql-15-cron is installed (its pg_cron.control is missing?). Install it.';

function needCron(): void {
  assert.ok(preloadCron(), NO_CRON);
}

function withSchedule(config: ConfigInput, schedule: string): ConfigInput {
  return { ...config, schedule };
}

// ── without pg_cron in the database ──────────────────────────────────────────────────────

// Runs on every major: with pg_cron preloaded (15 here) the hint names the database pg_cron
// runs from; on a server without pg_cron at all, it says how to get it or what to run instead.
const Absent = suite<{ db?: FreshDatabase }>('schedule without pg_cron in the database', {});

Absent.after(async (ctx) => {
  await ctx.db?.drop();
});

Absent('install.sql succeeds with a NOTICE saying what to do instead; schedule() is NULL, unschedule() false', async (ctx) => {
  const db = (ctx.db = await freshDatabase('cron_absent'));
  const file = writeInstallSql(withSchedule(monthlyTweetStar(), '*/15 * * * *'));
  const res = await psqlFile(db.url, file);
  assert.is(res.code, 0, `install.sql failed:\n${res.stderr}`);
  assert.match(res.stderr, `NOTICE:  pg_cron is not installed in database ${db.name}: no maintenance job scheduled`);
  if (preloadCron()) {
    assert.match(res.stderr,
      `HINT:  pg_cron runs from database postgres; there, as a superuser: SELECT cron.schedule_in_database('pgpart maintenance', '*/15 * * * *', 'CALL parting.run_maintenance()', '${db.name}', 'postgres')`);
  } else {
    assert.match(res.stderr, "HINT:  CREATE EXTENSION pg_cron (with shared_preload_libraries = 'pg_cron'), or run CALL parting.run_maintenance() from your own scheduler");
  }
  // The NOTICE is the only message: nothing else went wrong.
  assert.not.match(res.stderr, /WARNING|ERROR/);

  const notices: string[] = [];
  db.client.on('notice', (n) => notices.push(n.message ?? ''));
  assert.is(await scalar(db.client, `SELECT parting.schedule()`), null);
  assert.equal(notices, [`pg_cron is not installed in database ${db.name}: no maintenance job scheduled`]);
  assert.is(await scalar(db.client, `SELECT parting.unschedule()`), false);
  assert.is(notices[1], `pg_cron is not installed in database ${db.name}, or role postgres may not use it: no maintenance job removed`);
  // No cron schema appeared as a side effect.
  assert.is(await scalar(db.client, `SELECT to_regnamespace('cron')`), null);
});

Absent.run();

// ── in `postgres`, where pg_cron runs ────────────────────────────────────────────────────

type Job = {
  jobid: string;
  jobname: string;
  command: string;
  database: string;
  username: string;
  schedule: string;
  active: boolean;
};

interface CronCtx {
  admin?: pg.Client;
  /** Whether this suite created pg_cron (so after() drops it) or found it. */
  createdCron?: boolean;
  /** Whether this suite installed pgpart into `postgres` (so after() removes it). */
  installedHere?: boolean;
  /** install.sql as built for the first install (test 2 runs it again). */
  installFile?: string;
  jobid?: string;
  /** What `postgres` held before: after() checks it is back to exactly this. */
  before?: string[];
}

// tweet/star by month, one month ahead, nothing made at install: the first run makes them.
const config = withSchedule(monthlyTweetStar({ premake: 1, initial: false }), NEVER);

/** Schemas, user relations and extensions of the database: the "left as found" check. */
async function snapshot(c: pg.Client): Promise<string[]> {
  return column<string>(c, `
    SELECT 'schema ' || nspname FROM pg_namespace
     WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%'
    UNION ALL
    SELECT 'relation ' || n.nspname || '.' || c.relname || ':' || c.relkind::text
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
    UNION ALL
    SELECT 'extension ' || extname FROM pg_extension
    ORDER BY 1`);
}

async function jobs(c: pg.Client): Promise<Job[]> {
  return rows<Job>(c, `
    SELECT jobid::text, jobname, command, database, username, schedule, active
      FROM cron.job WHERE jobname = $1 ORDER BY jobid`, [JOB]);
}

const Cron = suiteNeeding<CronCtx>('pg_cron job in postgres (cron.database_name)', ['pg_cron'], {});

Cron.before(async (ctx) => {
  if (!preloadCron()) return; // every test fails on needCron() with the reason
  await logged('cron suite setup', async () => {
    const admin = (ctx.admin = newClient(adminUrl()));
    await admin.connect();
    assert.is(await scalar(admin, `SELECT current_database()`), 'postgres');
    assert.is(await scalar(admin, `SELECT current_setting('cron.database_name')`), 'postgres');
    // Never clobber something this suite did not make.
    const leftovers = await column<string>(admin, `
      SELECT x FROM unnest(ARRAY[
        CASE WHEN to_regnamespace('parting') IS NOT NULL THEN 'schema parting' END,
        CASE WHEN to_regnamespace('archive') IS NOT NULL THEN 'schema archive' END,
        CASE WHEN to_regclass('public.tweet') IS NOT NULL THEN 'table public.tweet' END,
        CASE WHEN to_regclass('public.star') IS NOT NULL THEN 'table public.star' END]) x
       WHERE x IS NOT NULL`);
    assert.equal(leftovers, [], `database postgres already holds ${leftovers.join(', ')}: refusing to install pgpart over it`);
    ctx.before = await snapshot(admin);
    ctx.createdCron = !(await scalar<boolean>(admin, `SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron')`));
    if (ctx.createdCron) await admin.query(`CREATE EXTENSION pg_cron`);
  });
});

Cron.after(async (ctx) => {
  const admin = ctx.admin;
  if (!admin) return;
  try {
    if (ctx.installedHere) {
      await admin.query(`SELECT parting.unschedule()`).catch(() => {});
      // A run pg_cron already started would hold locks on what we drop: let it finish, or end it.
      const running = () => column<number>(admin, `
        SELECT pid FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND query = $1 AND state <> 'idle'`, [COMMAND]);
      try {
        await until('no pg_cron run of the job is under way', async () => (await running()).length === 0, { guardMs: 60_000 });
      } catch {
        for (const pid of await running()) await admin.query(`SELECT pg_terminate_backend($1)`, [pid]);
        await until('the pg_cron runs are gone', async () => (await running()).length === 0);
      }
    }
    if (ctx.createdCron) await admin.query(`DROP EXTENSION IF EXISTS pg_cron`);
    if (ctx.installedHere) {
      // Tables parting knows as detached/archived/filling are no longer under the parents.
      if (await scalar(admin, `SELECT to_regclass('parting.offline') IS NOT NULL`)) {
        const offline = await column<string>(admin, `SELECT format('%I.%I', schema_name, table_name) FROM parting.offline`);
        for (const t of offline) await admin.query(`DROP TABLE IF EXISTS ${t} CASCADE`);
      }
      await admin.query(`DROP TABLE IF EXISTS public.star, public.tweet CASCADE`);
      await admin.query(`DROP SCHEMA IF EXISTS archive CASCADE`);
      await admin.query(`DROP SCHEMA IF EXISTS parting CASCADE`);
    }
    if (ctx.before) {
      const now = await snapshot(admin);
      const added = now.filter((x) => !ctx.before!.includes(x));
      const gone = ctx.before.filter((x) => !now.includes(x));
      if (added.length || gone.length) {
        throw new Error(`database postgres not left as found: added ${JSON.stringify(added)}, removed ${JSON.stringify(gone)}`);
      }
    }
  } finally {
    await admin.end().catch(() => {});
  }
});

Cron('install.sql makes exactly one job; running it again keeps the job; schedule() changes its schedule', async (ctx) => {
  needCron();
  const admin = ctx.admin!;
  ctx.installedHere = true; // set first: a half-done install must be cleaned up too
  ctx.installFile = await install(adminUrl(), config);

  const first = await jobs(admin);
  assert.is(first.length, 1, JSON.stringify(first));
  const job = first[0]!;
  assert.equal({ ...job, jobid: undefined }, {
    jobid: undefined, jobname: JOB, command: COMMAND, database: 'postgres', username: 'postgres', schedule: NEVER, active: true,
  });
  // No other job came with it.
  assert.equal(await column(admin, `SELECT jobid::text FROM cron.job`), [job.jobid]);
  ctx.jobid = job.jobid;

  // Idempotent: the same install.sql again updates the job in place.
  const again = await psqlFile(adminUrl(), ctx.installFile);
  assert.is(again.code, 0, `second install.sql failed:\n${again.stderr}`);
  assert.not.match(again.stderr, /pg_cron is not installed/);
  const second = await jobs(admin);
  assert.equal(second, first);

  const id = await scalar<string>(admin, `SELECT parting.schedule($1)::text`, [NEVER_EITHER]);
  assert.is(id, job.jobid);
  const third = await jobs(admin);
  assert.is(third.length, 1, JSON.stringify(third));
  assert.equal(third[0], { ...job, schedule: NEVER_EITHER });
});

Cron('pg_cron runs the job: a succeeded run writes a maintained row and makes the current month', async (ctx) => {
  needCron();
  const admin = ctx.admin!;
  assert.ok(ctx.jobid, 'the previous test scheduled no job');
  assert.is(await scalar<string>(admin, `SELECT parting.schedule('* * * * *')::text`), ctx.jobid);
  assert.is((await jobs(admin))[0]?.schedule, '* * * * *');

  type Run = { runid: string; status: string; return_message: string | null; month: string };
  // The job's first run that ended, which is the first run at all: no schedule before ran.
  const run = await until(`a finished pg_cron run of job ${ctx.jobid}`, async () => {
    const done = await rows<Run>(admin, `
      SELECT runid::text, status, return_message, to_char(start_time AT TIME ZONE 'UTC', 'YYYY-MM') AS month
        FROM cron.job_run_details
       WHERE jobid = $1 AND status IN ('succeeded', 'failed')
       ORDER BY runid`, [ctx.jobid]);
    return done[0];
  }, { guardMs: RUN_GUARD_MS });
  assert.is(run.status, 'succeeded', `pg_cron run ${run.runid} of job ${ctx.jobid} failed: ${run.return_message}`);

  // Written by that run: between its start and end as pg_cron recorded them.
  const maintained = await rows<{ detail: Record<string, number> }>(admin, `
    SELECT h.detail FROM parting.history h, cron.job_run_details d
     WHERE d.runid = $1 AND h.model = 'tweet' AND h.action = 'maintained'
       AND h.at BETWEEN d.start_time AND d.end_time`, [run.runid]);
  assert.is(maintained.length, 1, `maintained rows of run ${run.runid}: ${JSON.stringify(maintained)}`);
  // The first run of the job: nothing existed, so it made the current month and the next one.
  assert.equal(maintained[0]!.detail, { 'create:done': 2 });

  // parting.partitions() shows keys as partition suffixes: '2026_11'.
  const month = run.month.replace('-', '_');
  const parts = await rows<{ model: string; key: string; state: string }>(admin, `
    SELECT model, key, state FROM parting.partitions() ORDER BY model, key`);
  for (const model of ['tweet', 'star']) {
    assert.ok(parts.some((p) => p.model === model && p.key === month && p.state === 'attached'),
      `${model} partition for ${run.month}: ${JSON.stringify(parts)}`);
  }
  assert.is(await scalar(admin, `SELECT to_regclass($1)::text`, [`public.tweet_${month}`]), `tweet_${month}`);
  assert.is(await scalar(admin, `SELECT to_regclass($1)::text`, [`public.star_${month}`]), `star_${month}`);
});

Cron('unschedule() removes the job once', async (ctx) => {
  needCron();
  const admin = ctx.admin!;
  assert.is(await scalar(admin, `SELECT parting.unschedule()`), true);
  assert.equal(await jobs(admin), []);
  assert.is(await scalar(admin, `SELECT parting.unschedule()`), false);
  assert.equal(await jobs(admin), []);
});


Cron('the config\'s schedule changed re-times the job; removed from the config, the job the install made goes', async (ctx) => {
  needCron();
  const admin = ctx.admin!;
  await install(adminUrl(), withSchedule(monthlyTweetStar({ premake: 1, initial: false }), never(10)));
  const made = await jobs(admin);
  assert.equal(made.map((j) => j.schedule), [never(10)]);
  await install(adminUrl(), withSchedule(monthlyTweetStar({ premake: 1, initial: false }), never(20)));
  assert.equal((await jobs(admin)).map((j) => [j.jobid, j.schedule]), [[made[0]!.jobid, never(20)]], 'the same job, re-timed');
  await install(adminUrl(), monthlyTweetStar({ premake: 1, initial: false }));
  assert.equal(await jobs(admin), []);
  assert.is(await scalar(admin, `SELECT schedule FROM parting.meta`), null);
});

Cron('a job made by hand, with no schedule in the config, survives installs', async (ctx) => {
  needCron();
  const admin = ctx.admin!;
  await admin.query(`SELECT parting.schedule($1)`, [never(7)]);
  await install(adminUrl(), monthlyTweetStar({ premake: 1, initial: false }));
  assert.equal((await jobs(admin)).map((j) => j.schedule), [never(7)]);
  assert.is(await scalar(admin, `SELECT parting.unschedule()`), true);
});

Cron.run();

// ── as a role that is not a superuser ────────────────────────────────────────────────────

const AsOwner = suite<{ db?: RoleDatabase }>('schedule as an owner that is not a superuser', {});
AsOwner.after(async (ctx) => ctx.db?.drop());

AsOwner('install.sql with a schedule succeeds in a database without pg_cron; the NOTICE says what to run, and as whom', async (ctx) => {
  const db = (ctx.db = await roleDatabase('cron_owner'));
  const r = await psqlFile(db.url('owner'), writeInstallSql(withSchedule(monthlyTweetStar(), '*/15 * * * *')));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `NOTICE:  pg_cron is not installed in database ${db.name}: no maintenance job scheduled`);
  assert.match(r.stderr, `SELECT cron.schedule_in_database('pgpart maintenance', '*/15 * * * *', 'CALL parting.run_maintenance()', '${db.name}', '${db.roles.owner}')`);
  assert.not.match(r.stderr, /ERROR|WARNING/);
});

AsOwner.run();

const OwnerInCronDb = suiteNeeding<{ role?: string; admin?: pg.Client }>('schedule as an owner that is not a superuser, in pg_cron\'s database', ['pg_cron'], {});

OwnerInCronDb.before(async (ctx) => {
  await logged('a role in postgres', async () => {
    const admin = (ctx.admin = newClient(adminUrl()));
    await admin.connect();
    assert.equal(await column(admin, `SELECT nspname::text FROM pg_namespace WHERE nspname IN ('parting', 'archive', 'cron_app')`), [],
      'database postgres holds pgpart already: refusing to install over it');
    ctx.role = `cron_owner_${Date.now().toString(36)}`;
    await admin.query(`CREATE ROLE ${ctx.role} LOGIN`);
    await admin.query(`GRANT CREATE ON DATABASE postgres TO ${ctx.role}`);
    if (!(await scalar<boolean>(admin, `SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron')`))) {
      await admin.query('CREATE EXTENSION pg_cron');
    }
  });
});

OwnerInCronDb.after(async (ctx) => {
  const admin = ctx.admin;
  if (!admin) return;
  try {
    await admin.query(`SELECT cron.unschedule(jobid) FROM cron.job WHERE username = $1`, [ctx.role]);
    await admin.query('DROP SCHEMA IF EXISTS cron_app CASCADE');
    await admin.query('DROP SCHEMA IF EXISTS archive CASCADE');
    await admin.query('DROP SCHEMA IF EXISTS parting CASCADE');
    await admin.query(`REVOKE ALL ON SCHEMA cron FROM ${ctx.role}`);
    await admin.query(`REVOKE CREATE ON DATABASE postgres FROM ${ctx.role}`);
    await admin.query(`DROP ROLE IF EXISTS ${ctx.role}`);
  } finally {
    await admin.end();
  }
});

OwnerInCronDb('without USAGE on schema cron: a NOTICE with the GRANT to ask for; with it, the job is made, running as the owner', async (ctx) => {
  const url = new URL(adminUrl());
  url.username = ctx.role!;
  const config = { ...withSchedule(monthlyTweetStar(), never(3)), schema: 'cron_app' };
  const first = await psqlFile(url.toString(), writeInstallSql(config));
  assert.is(first.code, 0, first.stderr);
  assert.match(first.stderr, `NOTICE:  pg_cron is installed here, but role ${ctx.role} may not use it: no maintenance job scheduled`);
  assert.match(first.stderr, `HINT:  as a superuser: GRANT USAGE ON SCHEMA cron TO ${ctx.role} and install again`);
  await ctx.admin!.query(`GRANT USAGE ON SCHEMA cron TO ${ctx.role}`);
  // The config's schedule was asked for already: the install with USAGE makes the job.
  const second = await psqlFile(url.toString(), writeInstallSql(config));
  assert.is(second.code, 0, second.stderr);
  assert.equal(await rows(ctx.admin!, `SELECT jobname, username, database, schedule, command FROM cron.job WHERE username = $1`, [ctx.role]),
    [{ jobname: JOB, username: ctx.role, database: 'postgres', schedule: never(3), command: COMMAND }]);
});

OwnerInCronDb('a changed schedule, as the owner: the same job re-timed (alter_job is a superuser\'s in pg_cron 1.4), read back', async (ctx) => {
  const url = new URL(adminUrl());
  url.username = ctx.role!;
  const before = await rows<{ jobid: string }>(ctx.admin!, `SELECT jobid::text FROM cron.job WHERE username = $1`, [ctx.role]);
  assert.is(before.length, 1);
  const r = await psqlFile(url.toString(), writeInstallSql({ ...withSchedule(monthlyTweetStar(), never(4)), schema: 'cron_app' }));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `re-time the pg_cron job from '${never(3)}' to '${never(4)}'`);
  assert.not.match(r.stderr, /refused|did not re-time/);
  assert.equal(await rows(ctx.admin!, `SELECT jobid::text, schedule FROM cron.job WHERE username = $1`, [ctx.role]),
    [{ jobid: before[0]!.jobid, schedule: never(4) }]);
});

OwnerInCronDb('pg_cron silently keeps the old schedule: the owner\'s re-time says so, and nothing claims the job re-timed', async (ctx) => {
  const url = new URL(adminUrl());
  url.username = ctx.role!;
  const admin = ctx.admin!;
  // A trigger that turns every update of the job into none: schedule() by name (pg_cron's
  // upsert, the owner's way to re-time) returns the job id and changes nothing.
  await admin.query(`CREATE FUNCTION public.pgpart_test_keep_job() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$`);
  await admin.query(`CREATE TRIGGER pgpart_test_keep_job BEFORE UPDATE ON cron.job FOR EACH ROW EXECUTE FUNCTION public.pgpart_test_keep_job()`);
  try {
    const r = await psqlFile(url.toString(), writeInstallSql({ ...withSchedule(monthlyTweetStar(), never(5)), schema: 'cron_app' }));
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, `NOTICE:  pg_cron did not re-time the maintenance job: it still runs at '${never(4)}'`);
    assert.match(r.stderr, `HINT:  as a superuser: SELECT cron.schedule_in_database('pgpart maintenance', '${never(5)}'`);
    assert.equal(await column(admin, `SELECT schedule FROM cron.job WHERE username = $1`, [ctx.role]), [never(4)]);
    // parting.schedule() says the same, and returns no job id.
    const owner = newClient(url.toString());
    await owner.connect();
    const notices: string[] = [];
    owner.on('notice', (n) => notices.push(n.message ?? ''));
    try {
      assert.is(await scalar(owner, `SELECT parting.schedule($1)`, [never(5)]), null);
    } finally {
      await owner.end();
    }
    assert.equal(notices, [`pg_cron did not re-time the maintenance job: it still runs at '${never(4)}'`]);
    // The next install still sees the job at the old time, and tries again.
    const plan = await psqlFile(url.toString(), writeInstallSql({ ...withSchedule(monthlyTweetStar(), never(5)), schema: 'cron_app' }));
    assert.match(plan.stderr, `re-time the pg_cron job from '${never(4)}' to '${never(5)}'`);
  } finally {
    await admin.query('DROP TRIGGER pgpart_test_keep_job ON cron.job');
    await admin.query('DROP FUNCTION public.pgpart_test_keep_job()');
  }
});

OwnerInCronDb.run();
