// The run guard and the lock probe, run by an owner that is not a superuser, among sessions of
// other roles whose activity (pg_stat_activity: state, xact_start, backend_start) PostgreSQL
// hides from it. What the owner may read of them is pg_locks; what it cannot see it never
// takes for free:
// - a run in progress as a superuser (as pg_cron runs it) and the owner's run do not overlap,
//   either way round, and the second never lets go of the first's guard; a guard whose
//   session is gone is taken over;
// - a detach behind another role's reader, as the owner: the lock is never asked for (no
//   request of the owner's ever waits in pg_locks, so writers never queue behind one), and
//   the error names the reader; another role's young writer is asked for and the lock taken
//   once it commits, as for the superuser.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { newClient, psqlFile, quoteIdent } from '../harness/db.js';
import { writeInstallSql } from '../harness/install.js';
import { roleDatabase, type RoleDatabase } from '../harness/roles.js';
import { column, logged, month, monthlyTweetStar, pgError, pidOf, scalar } from './helpers.js';
import { until, untilWaiting } from './wait.js';

/** Long enough that a lock request made behind a holder the test keeps would hang the test. */
const config = { ...monthlyTweetStar({ premake: 1, initial: true }), lockTimeout: '600s', lockTries: 3 };

interface Ctx { db?: RoleDatabase }

const Guard = suite<Ctx>('roles: the run guard holds between a superuser\'s run and the owner\'s', {});
Guard.before(async (ctx) => {
  ctx.db = await logged('roles', async () => {
    const db = await roleDatabase('guard', { app: 'LOGIN' });
    const r = await psqlFile(db.url('owner'), writeInstallSql(config));
    assert.is(r.code, 0, r.stderr);
    return db;
  });
});
Guard.after(async (ctx) => ctx.db?.drop());

const GUARD = `SELECT pid, holder FROM parting.run_guard`;

/**
 * A run in progress in `runner`'s session: the guard taken and committed, then a statement
 * that waits for a lock `blocker` holds (a run waiting on a lock), until the test lets go.
 */
async function runInProgress(runner: pg.Client, blocker: pg.Client, watch: pg.Client): Promise<{ pid: number; done: Promise<unknown> }> {
  const pid = await pidOf(runner);
  assert.is(await scalar(runner, 'SELECT parting._run_lock()'), null);
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE parting.meta IN ACCESS EXCLUSIVE MODE');
  const done = runner.query('SELECT count(*) FROM parting.meta');
  await untilWaiting(watch, pid, await pidOf(blocker), { unless: done });
  return { pid, done };
}

async function notices(c: pg.Client, sql: string): Promise<string[]> {
  const seen: string[] = [];
  const on = (n: { message?: string }) => seen.push(n.message ?? '');
  c.on('notice', on);
  try {
    await c.query(sql);
  } finally {
    c.off('notice', on);
  }
  return seen;
}

Guard('a superuser\'s run in progress: the owner\'s run says so and does nothing; the guard stays the superuser\'s', async (ctx) => {
  const db = ctx.db!;
  const su = newClient(db.adminUrl);
  const blocker = newClient(db.adminUrl);
  await su.connect();
  await blocker.connect();
  const owner = await db.as('owner');
  try {
    const run = await runInProgress(su, blocker, owner);
    // The owner cannot read the superuser's session: what pg_stat_activity shows it is empty.
    assert.is(await scalar(owner, 'SELECT backend_start FROM pg_stat_activity WHERE pid = $1', [run.pid]), null);
    const said = await notices(owner, 'CALL parting.run_maintenance()');
    assert.ok(said.some((n) => n.includes(`parting.run_maintenance is already running (pid ${run.pid},`)), said.join('\n'));
    assert.equal(await column(owner, `SELECT action FROM parting.history WHERE action = 'maintained'`), []);
    // Neither did it let go of the superuser's guard.
    const g = (await owner.query(GUARD)).rows[0];
    assert.is(g.pid, run.pid);
    // pgpart maintain's way in (the guard first) is refused likewise.
    assert.match(String(await scalar(owner, 'SELECT parting._run_lock()')), `pid ${run.pid}`);
    await blocker.query('COMMIT');
    await run.done;
    await su.query('SELECT parting._run_unlock()');
    assert.is((await owner.query(GUARD)).rows[0].pid, null);
    // Once the superuser's run let go, the owner's runs.
    await owner.query('CALL parting.run_maintenance()');
    assert.equal(await column(owner, `SELECT action FROM parting.history WHERE action = 'maintained'`), ['maintained']);
  } finally {
    await blocker.query('ROLLBACK').catch(() => {});
    await su.end();
    await blocker.end();
  }
});

Guard('the owner\'s run in progress: a superuser\'s run (pg_cron\'s) says so; a guard whose session is gone is taken over', async (ctx) => {
  const db = ctx.db!;
  const owner = await db.as('owner');
  const blocker = newClient(db.adminUrl);
  const su = newClient(db.adminUrl);
  await blocker.connect();
  await su.connect();
  const runner = await db.as('owner');
  try {
    const run = await runInProgress(runner, blocker, su);
    const said = await notices(su, 'CALL parting.run_maintenance()');
    assert.ok(said.some((n) => n.includes(`already running (pid ${run.pid},`)), said.join('\n'));
    assert.is((await su.query(GUARD)).rows[0].pid, run.pid);
    await blocker.query('COMMIT');
    await run.done;
  } finally {
    await blocker.query('ROLLBACK').catch(() => {});
    await blocker.end();
  }
  // A superuser's run whose session ended without letting go: the owner takes the guard over.
  const gone = newClient(db.adminUrl);
  await gone.connect();
  await runner.query('SELECT parting._run_unlock()');
  const gonePid = await pidOf(gone);
  assert.is(await scalar(gone, 'SELECT parting._run_lock()'), null);
  await gone.end();
  await until('the ended session is gone', async () => !(await scalar<boolean>(su, 'SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $1)', [gonePid])));
  assert.is(await scalar(owner, 'SELECT parting._run_lock()'), null);
  assert.is((await owner.query(GUARD)).rows[0].pid, await pidOf(owner));
  await owner.query('SELECT parting._run_unlock()');
  // And a session that holds the guard's class of advisory lock under any key stops nothing:
  // the guard is the row; the lock only proves its holder alive.
  const app = await db.as('app');
  await app.query('SELECT pg_advisory_lock(1885434484, k) FROM generate_series(0, 50) k');
  assert.is(await scalar(owner, 'SELECT parting._run_lock()'), null);
  await owner.query('SELECT parting._run_unlock()');
  await su.end();
});

Guard.run();

// ── the lock probe ─────────────────────────────────────────────────────────────────────────

const Probe = suite<Ctx>('roles: the lock probe, as the owner, never asks behind a reader it cannot see', {});
Probe.before(async (ctx) => {
  ctx.db = await logged('roles', async () => {
    const db = await roleDatabase('probe', { reader: 'LOGIN', writer: 'LOGIN' });
    const r = await psqlFile(db.url('owner'), writeInstallSql(config));
    assert.is(r.code, 0, r.stderr);
    const owner = await db.as('owner');
    await owner.query(`GRANT SELECT ON tweet, star TO ${quoteIdent(db.roles.reader!)}`);
    await owner.query(`GRANT SELECT, INSERT ON tweet, star TO ${quoteIdent(db.roles.writer!)}`);
    await owner.query('CREATE TABLE probe_t (x int)');
    await owner.query(`GRANT ALL ON probe_t TO ${quoteIdent(db.roles.writer!)}`);
    return db;
  });
});
Probe.after(async (ctx) => ctx.db?.drop());

/** Lock requests of session `pid` that wait (not granted), as 'mode relation'. */
const WAITING = `SELECT coalesce(array_agg(mode || ' ' || relation::regclass::text), '{}') FROM pg_locks
                  WHERE pid = $1 AND NOT granted AND locktype = 'relation'`;

Probe('a detach behind another role\'s reader: never asked for, the reader named; writers never queue', async (ctx) => {
  const db = ctx.db!;
  const owner = await db.as('owner');
  const reader = await db.as('reader');
  const writer = await db.as('writer');
  const su = newClient(db.adminUrl);
  await su.connect();
  try {
    const rpid = await pidOf(reader);
    const opid = await pidOf(owner);
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM tweet');
    // The owner cannot read when the reader's transaction began.
    assert.is(await scalar(owner, 'SELECT xact_start FROM pg_stat_activity WHERE pid = $1', [rpid]), null);
    const key = month(0).key;
    const call = pgError(owner, `SELECT parting.detach_partition('tweet', $1)`, [key]);
    // While the call runs (its tries and back-offs), it never has a lock request waiting, and
    // a writer's insert goes through.
    let ended = false;
    void call.finally(() => { ended = true; });
    while (!ended) {
      assert.equal(await scalar<string[]>(su, WAITING, [opid]), [], 'the owner asked for a lock behind the reader');
      await writer.query(`INSERT INTO tweet ("user", created_at) VALUES ('w', now())`);
    }
    const e = await call;
    assert.is(e.code, '55P03');
    assert.match(e.message, `pid ${rpid} (role ${db.roles.reader}) holds AccessShareLock on public.tweet`);
    assert.match(e.message, 'after 3 tries');
    assert.not.match(e.message, 'lock_timeout', 'it asked for the lock and waited');
    assert.equal(await column(owner, `SELECT state FROM parting.partitions('tweet') WHERE key = $1`, [month(0).suffix]), ['attached']);
  } finally {
    await reader.query('ROLLBACK').catch(() => {});
    await su.end();
  }
});

Probe('another role\'s young writer, begun during a back-off: asked for, and the lock taken once it commits', async (ctx) => {
  const db = ctx.db!;
  const owner = await db.as('owner');
  const holder = await db.as('writer');
  const keeper = await db.as('writer');
  const su = newClient(db.adminUrl);
  await su.connect();
  try {
    const opid = await pidOf(owner);
    const hpid = await pidOf(holder);
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE probe_t IN ROW EXCLUSIVE MODE');
    await keeper.query('BEGIN');
    await keeper.query('LOCK TABLE probe_t IN ROW EXCLUSIVE MODE');
    await owner.query('BEGIN');
    const call = owner.query<{ tries: number }>(
      `SELECT parting._lock_all('600s', 100, ARRAY['probe_t'::regclass], ARRAY['ACCESS EXCLUSIVE']) AS tries`);
    // The first try sees two holders it cannot date: it does not ask, and backs off.
    await until('the call backs off', () => scalar<boolean>(su, `SELECT wait_event = 'PgSleep' FROM pg_stat_activity WHERE pid = $1`, [opid]),
      { unless: call });
    assert.equal(await scalar<string[]>(su, WAITING, [opid]), []);
    // The holder ends that transaction and begins another (young: begun after that look); the
    // keeper, open since before the first look, goes last, so no try finds the table free.
    await holder.query('COMMIT');
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE probe_t IN ROW EXCLUSIVE MODE');
    await keeper.query('COMMIT');
    await untilWaiting(su, opid, hpid, { unless: call });
    await holder.query('COMMIT');
    const r = await call;
    assert.ok(r.rows[0]!.tries >= 2, `taken at try ${r.rows[0]!.tries}`);
    await owner.query('ROLLBACK');
  } finally {
    await holder.query('ROLLBACK').catch(() => {});
    await keeper.query('ROLLBACK').catch(() => {});
    await owner.query('ROLLBACK').catch(() => {});
    await su.end();
  }
});

Probe.run();
