// pgpart among other roles, each attack tried for real. The install's owner is a role that
// is not a superuser and owns the database; around it: a role that may create schemas in
// the database (and makes `parting` or `archive` first), a role that may only connect (and
// takes every advisory lock pgpart's routines once used, and tries the row and table locks
// they use now), a role that puts look-alike functions and operators in a schema ahead of
// pg_catalog, a member of the owner role and pg_cron's superuser (who make partitions), and
// an application role granted on the parents (which then reads and writes partitions directly).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { validate } from '../../src/model/validate.js';
import { plan } from '../../src/plan/plan.js';
import { newClient, psqlFile, quoteIdent } from '../harness/db.js';
import { writeInstallSql } from '../harness/install.js';
import { roleDatabase, type RoleDatabase } from '../harness/roles.js';
import { catalog } from './catalog.js';
import { column, logged, month, monthlyTweetStar, pgError, rows, scalar } from './helpers.js';
import { withRetention } from './maintenance-helpers.js';

const config = monthlyTweetStar({ premake: 1, initial: true });

async function installAs(db: RoleDatabase, role: string, cfg = config) {
  return psqlFile(db.url(role), writeInstallSql(cfg));
}

// ── schema squatting ───────────────────────────────────────────────────────────────────────

const Squat = suite<{ db?: RoleDatabase }>('hostile roles: a squatted parting or archive schema', {});
Squat.before(async (ctx) => {
  ctx.db = await logged('roles', async () => {
    const db = await roleDatabase('squat', { hostile: 'LOGIN' });
    const admin = newClient(db.adminUrl);
    await admin.connect();
    await admin.query(`GRANT CREATE ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(db.roles.hostile!)}`);
    await admin.end();
    return db;
  });
});
Squat.after(async (ctx) => ctx.db?.drop());

Squat('a parting schema another role made first: the install refuses, naming its owner, and changes nothing', async (ctx) => {
  const db = ctx.db!;
  const h = await db.as('hostile');
  await h.query('CREATE SCHEMA parting');
  await h.query('GRANT CREATE, USAGE ON SCHEMA parting TO PUBLIC');
  const owner = await db.as('owner');
  const before = await catalog(owner);
  const r = await installAs(db, 'owner');
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, `ERROR:  schema parting is owned by role ${db.roles.hostile}, not by ${db.roles.owner}: pgpart does not install into a schema another role made`);
  assert.match(r.stderr, /HINT: {2}nothing was changed; its owner could replace pgpart's functions/);
  assert.equal(await catalog(owner), before);
  assert.equal(await column(owner, `SELECT proname::text FROM pg_proc WHERE pronamespace = 'parting'::regnamespace`), []);
  await h.query('DROP SCHEMA parting');
});

Squat('an archive schema another role made: refused when a model archives; left alone, and refused by hand, when none does', async (ctx) => {
  const db = ctx.db!;
  const h = await db.as('hostile');
  await h.query('CREATE SCHEMA archive');
  await h.query('GRANT CREATE, USAGE ON SCHEMA archive TO PUBLIC');
  const owner = await db.as('owner');
  const archiving = withRetention(config, '2 months', 'archive');
  const before = await catalog(owner);
  const r = await installAs(db, 'owner', archiving);
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, `archiveSchema: schema archive is owned by role ${db.roles.hostile}, not by ${db.roles.owner}: pgpart does not archive into a schema another role made`);
  assert.equal(await catalog(owner), before);
  // A config that archives nothing installs; archiving by hand is refused, nothing detached.
  const ok = await installAs(db, 'owner');
  assert.is(ok.code, 0, ok.stderr);
  const e = await pgError(owner, `SELECT parting.detach_partition('tweet', $1, 'archive')`, [month(0).key]);
  assert.match(e.message, `schema archive is owned by role ${db.roles.hostile}, not by ${db.roles.owner} (pgpart's owner): pgpart does not archive into a schema another role made`);
  assert.equal(await column(owner, `SELECT state FROM parting.partitions('tweet') WHERE key = $1`, [month(0).suffix]), ['attached']);
});

Squat.run();

// ── locks a role that may only connect cannot hold ─────────────────────────────────────────

const LockOut = suite<{ db?: RoleDatabase }>('hostile roles: no lock a connect-only role can take stops maintenance', {});
LockOut.before(async (ctx) => {
  ctx.db = await logged('roles', async () => {
    const db = await roleDatabase('lockout', { idle: 'LOGIN' });
    const r = await installAs(db, 'owner', monthlyTweetStar({ premake: 1, initial: false }));
    assert.is(r.code, 0, r.stderr);
    return db;
  });
});
LockOut.after(async (ctx) => ctx.db?.drop());

LockOut('with every advisory lock held and pgpart\'s rows and tables refused to it, maintenance, ensure and install still run', async (ctx) => {
  const db = ctx.db!;
  const idle = await db.as('idle');
  // The keys pgpart's routines once took, and the obvious others.
  for (const [a, b] of [['parting', 'run_maintenance'], ['parting.family', 'tweet'], ['parting.family', 'star']]) {
    await idle.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', [a, b]);
  }
  await idle.query(`SELECT pg_advisory_lock(hashtext('pgpart.install'))`);
  await idle.query('BEGIN');
  for (const sql of ['SELECT FROM parting.run_guard FOR UPDATE', 'SELECT FROM parting.config FOR KEY SHARE',
    'LOCK TABLE parting.run_guard IN ACCESS SHARE MODE', 'LOCK TABLE parting.config IN ACCESS SHARE MODE', 'LOCK TABLE parting.meta IN ACCESS SHARE MODE']) {
    await idle.query('SAVEPOINT s');
    const e = await pgError(idle, sql);
    assert.is(e.code, '42501', `${sql}: ${e.message}`);
    await idle.query('ROLLBACK TO SAVEPOINT s');
  }
  // Nor can it run maintenance itself (and so hold the guard).
  await idle.query('SAVEPOINT s');
  assert.is((await pgError(idle, `SELECT parting._run_lock()`)).code, '42501');
  await idle.query('ROLLBACK');

  const owner = await db.as('owner');
  await owner.query('CALL parting.run_maintenance()');
  assert.equal(await column(owner, `SELECT action FROM parting.history WHERE action IN ('maintained', 'created') ORDER BY id`),
    ['created', 'created', 'created', 'created', 'maintained']);
  assert.equal(await column(owner, `SELECT p::text FROM parting.ensure_partition('tweet', '2013-03') p`), ['tweet_2013_03', 'star_2013_03']);
  const again = await installAs(db, 'owner', monthlyTweetStar({ premake: 2, initial: false }));
  assert.is(again.code, 0, again.stderr);
  // And no routine of pgpart's waits for an advisory lock: the run guard's takes one only as
  // its holder's proof of life (readable in pg_locks by every role), never waiting for it.
  assert.equal(await column(owner, `SELECT oid::regprocedure::text FROM pg_proc WHERE pronamespace = 'parting'::regnamespace AND prosrc ~ 'pg_(try_)?advisory' ORDER BY 1`),
    ['parting._run_lock()', 'parting._run_release()']);
  assert.equal(await column(owner, `SELECT oid::regprocedure::text FROM pg_proc WHERE pronamespace = 'parting'::regnamespace AND prosrc ~ 'pg_advisory_(xact_)?lock'`), []);
});

LockOut.run();

// ── name resolution ────────────────────────────────────────────────────────────────────────

const Pinned = suite<{ db?: RoleDatabase; owner?: pg.Client }>('hostile roles: look-alikes ahead of pg_catalog never run', {});
const LOOKALIKES = ['now', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp', 'random'];
Pinned.before(async (ctx) => {
  ctx.db = await logged('roles', async () => {
    const db = await roleDatabase('pinned', { hostile: 'LOGIN' });
    const admin = newClient(db.adminUrl);
    await admin.connect();
    await admin.query(`GRANT CREATE ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(db.roles.hostile!)}`);
    await admin.end();
    const h = await db.as('hostile');
    await h.query('CREATE SCHEMA evil');
    await h.query('GRANT USAGE ON SCHEMA evil TO PUBLIC');
    for (const fn of LOOKALIKES) {
      const returns = fn === 'random' ? 'double precision' : 'timestamptz';
      await h.query(`CREATE FUNCTION evil.${fn}() RETURNS ${returns} LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'evil.${fn}() ran'; END $$`);
    }
    await h.query(`CREATE FUNCTION evil.text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'evil = ran'; END $$`);
    await h.query(`CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_eq)`);
    const r = await installAs(db, 'owner', withRetention(monthlyTweetStar({ premake: 1, initial: true, default: true }), '2 months', 'archive'));
    assert.is(r.code, 0, r.stderr);
    return db;
  });
  ctx.owner = await ctx.db.as('owner');
  await ctx.owner.query('SET search_path = evil, pg_catalog, public');
  // The look-alikes are live: an unqualified call in this session runs them.
  assert.match((await pgError(ctx.owner, 'SELECT now()')).message, 'evil.now() ran');
});
Pinned.after(async (ctx) => ctx.db?.drop());

Pinned('every public routine, called with evil ahead of pg_catalog, runs none of evil\'s functions or operators', async (ctx) => {
  const c = ctx.owner!;
  const m0 = month(0);
  const calls = [
    `SELECT count(*) FROM parting.ensure_partition('tweet')`,
    `SELECT count(*) FROM parting.ensure_partition('tweet', '${month(-4).key}')`,
    `SELECT parting.partition_for('tweet', '${m0.at()}')`,
    `SELECT parting.partition_for('tweet', '${m0.at()}'::timestamptz)`,
    `SELECT parting.partition_for('tweet', '${m0.at()}'::timestamp)`,
    `SELECT count(*) FROM parting.partitions()`,
    `CALL parting.run_maintenance()`,
    `SELECT count(*) FROM parting.detach_partition('tweet', '${m0.key}')`,
    `SELECT count(*) FROM parting.attach_partition('tweet', '${m0.key}')`,
    `SELECT parting.schedule('*/5 * * * *')`,
    `SELECT parting.unschedule()`,
    `SELECT count(*) FROM parting.plan($1::jsonb)`,
  ];
  const desired = JSON.stringify(plan(validate(monthlyTweetStar({ premake: 1, initial: true, default: true }))).desired);
  for (const sql of calls) {
    try {
      await c.query(sql, sql.includes('$1') ? [desired] : []);
    } catch (err) {
      assert.unreachable(`${sql}: ${(err as Error).message}`);
    }
  }
  // Looked at from a session with a plain search_path (this one would run evil's =).
  const plain = await ctx.db!.as('owner');
  assert.ok(Number(await scalar(plain, `SELECT count(*) FROM parting.history WHERE action = 'archived'`)) > 0, 'run_maintenance archived the old month');
  assert.equal(await column(plain, `SELECT action FROM parting.history WHERE action = 'failed'`), []);
});

Pinned.run();

// ── ownership and grants ───────────────────────────────────────────────────────────────────

const Owned = suite<{ db?: RoleDatabase }>('hostile roles: partitions are owned and granted like their parent, whoever makes them', {});
Owned.before(async (ctx) => {
  ctx.db = await logged('roles', async () => {
    const db = await roleDatabase('owned', { member: 'LOGIN IN ROLE {owner}', app: 'LOGIN' });
    // No partition yet when the parents are granted: a grant on a parent reaches the
    // partitions made after it (those made before are parting.check()'s to report).
    const r = await installAs(db, 'owner', withRetention(monthlyTweetStar({ premake: 0, initial: false }), '2 months', 'archive'));
    assert.is(r.code, 0, r.stderr);
    const owner = await db.as('owner');
    await owner.query(`GRANT SELECT, INSERT ON tweet, star TO ${quoteIdent(db.roles.app!)}`);
    return db;
  });
});
Owned.after(async (ctx) => ctx.db?.drop());

Owned('made by the owner, by a member of it and by a superuser (as pg_cron runs): all the owner\'s, all with the parent\'s grants', async (ctx) => {
  const db = ctx.db!;
  const owner = await db.as('owner');
  const member = await db.as('member');
  const superuser = newClient(db.adminUrl);
  await superuser.connect();
  try {
    await owner.query(`SELECT parting.ensure_partition('tweet', $1)`, [month(-5).key]);
    await member.query(`SELECT parting.ensure_partition('tweet', $1)`, [month(-4).key]);
    await superuser.query(`SELECT parting.ensure_partition('tweet', $1)`, [month(-3).key]);
    await superuser.query(`UPDATE parting.config SET premake = 2 WHERE model = 'tweet'`);
    await superuser.query('CALL parting.run_maintenance()'); // premakes two months, archives months -5 and -4
  } finally {
    await superuser.end();
  }
  const made = await rows<{ t: string; owner: string; acl: string[] | null }>(owner, `
    SELECT c.oid::regclass::text AS t, c.relowner::regrole::text AS owner,
           ARRAY(SELECT a.grantee::regrole::text || ':' || a.privilege_type FROM aclexplode(c.relacl) a
                  WHERE a.grantee <> c.relowner ORDER BY 1) AS acl
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('public', 'archive') AND c.relkind IN ('r', 'p') ORDER BY 1`);
  assert.ok(made.length >= 14, made.map((m) => m.t).join(', '));
  const app = db.roles.app!;
  for (const m of made) {
    assert.is(m.owner, db.roles.owner, `${m.t} owner`);
    assert.equal(m.acl, [`${app}:INSERT`, `${app}:SELECT`], `${m.t} grants`);
  }
  // The application writes and reads a partition directly, and the owner retires them all.
  const appClient = await db.as('app');
  await appClient.query(`INSERT INTO ${quoteIdent(`tweet_${month(2).suffix}`)} ("user", created_at) VALUES ('app', $1)`, [month(2).at()]);
  assert.is(Number(await scalar(appClient, `SELECT count(*) FROM ${quoteIdent(`tweet_${month(2).suffix}`)}`)), 1);
  // Months -5 to -3 are archived by now (keep 2 months); month 0 is attached: dropped alike.
  for (const m of [month(-5), month(-4), month(-3), month(0)]) {
    await owner.query(`SELECT parting.detach_partition('tweet', $1, 'drop')`, [m.key]);
    assert.equal(await column(owner, `SELECT t FROM unnest($1::text[]) t WHERE to_regclass(t) IS NOT NULL`,
      [[`tweet_${m.suffix}`, `star_${m.suffix}`, `archive.tweet_${m.suffix}`, `archive.star_${m.suffix}`]]), [], m.key);
  }
  assert.equal(await column(owner, `SELECT action FROM parting.history WHERE action IN ('failed', 'skipped')`), []);
});

Owned('an application granted UPDATE on the parent, with no USAGE on schema parting: the key guard answers its key changes', async (ctx) => {
  const db = ctx.db!;
  const owner = await db.as('owner');
  const app = await db.as('app');
  await owner.query(`SELECT parting.ensure_partition('tweet', $1)`, [month(1).key]);
  await owner.query(`SELECT parting.ensure_partition('tweet', $1)`, [month(2).key]);
  await owner.query(`GRANT UPDATE ON tweet TO ${quoteIdent(db.roles.app!)}`);
  const id = await scalar(owner, `INSERT INTO tweet ("user", created_at) VALUES ('guarded', $1) RETURNING id`, [month(1).at()]);
  await owner.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'fan', id, created_at FROM tweet WHERE id = $1`, [id]);
  // Inside its partition: the guard lets it through, and the cascade carries the star.
  await app.query(`UPDATE tweet SET created_at = created_at + interval '1 minute' WHERE id = $1`, [id]);
  assert.is(await scalar(owner, `SELECT s.tweet_created_at = t.created_at FROM star s JOIN tweet t ON t.id = s.tweet_id WHERE t.id = $1`, [id]), true);
  // To another partition: refused by the guard (not "permission denied for schema parting").
  const moved = await pgError(app, `UPDATE tweet SET created_at = $2 WHERE id = $1`, [id, month(2).at()]);
  assert.is(moved.code, '23001', moved.message);
  assert.match(moved.message, 'has rows of model "star" depending on it');
});

Owned.run();
