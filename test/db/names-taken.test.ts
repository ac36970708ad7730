// Names another role takes first. A role that may create in the models' schema (mallory:
// CREATE on the database and on `public`) makes a table, index or type under a name pgpart is
// about to use: a future partition's, or one of its indexes'. pgpart neither adopts nor drops
// what another role owns, and one squatted name must not stop everything after it:
// - maintenance skips that partition with a 'skipped' history row naming the object and its
//   owner, and makes the later ones; check() reports it ('name taken') with who must act; once
//   the object is gone, the next run makes the partition;
// - the install makes the rest of its initial partitions and says which one it could not;
// - ensure_partition for that key raises pgpart's SQLSTATE, naming the object;
// - a new model whose table another role made is refused by plan and the install, naming the
//   owner (never "add index … on" a table pgpart would not own);
// - a new index of the config whose copy's name on an existing partition mallory took: the
//   install (psql -f and `pgpart apply`) builds every other copy, skips that one with a
//   'skipped' history row naming the object and its owner, and check() reports it; once the
//   object is gone, the next install builds the copy;
// - a list model, which makes no partition by the clock: check() reports the squatted names
//   of the keys the config asks for (and of its default partition) all the same;
// - check() does not call a user's own table that starts with the model's name (tweet_backup)
//   an orphan of pgpart's.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { SQLSTATE } from '../../src/contract.js';
import { validate } from '../../src/model/validate.js';
import { plan } from '../../src/plan/plan.js';
import { runCli, writeConfig } from '../harness/cli.js';
import { newClient, psqlFile, quoteIdent } from '../harness/db.js';
import { writeInstallSql } from '../harness/install.js';
import { roleDatabase, type RoleDatabase } from '../harness/roles.js';
import { column, listTweetStar, logged, month, monthlyTweetStar, pgError, pidOf, rows } from './helpers.js';
import { until } from './wait.js';
import { startCli } from '../harness/cli.js';

interface Ctx { db?: RoleDatabase }

/** A database owned by `owner`, with mallory, who may create schemas and may create in `public`. */
async function squatDatabase(prefix: string): Promise<RoleDatabase> {
  return logged('roles', async () => {
    const db = await roleDatabase(prefix, { mallory: 'LOGIN' });
    const su = newClient(db.adminUrl);
    await su.connect();
    try {
      await su.query(`GRANT CREATE ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(db.roles.mallory!)}`);
      await su.query(`GRANT CREATE, USAGE ON SCHEMA public TO ${quoteIdent(db.roles.mallory!)}`);
    } finally {
      await su.end();
    }
    return db;
  });
}

const taken = (db: RoleDatabase, kind: string, name: string) => `name taken by ${kind} public.${name} owned by role ${db.roles.mallory}`;

const Maint = suite<Ctx>('names taken: maintenance skips the squatted partition, makes the others, and check() says who must act', {});
Maint.before(async (ctx) => {
  ctx.db = await squatDatabase('taken');
  const r = await psqlFile(ctx.db.url('owner'), writeInstallSql(monthlyTweetStar({ premake: 3, initial: false })));
  assert.is(r.code, 0, r.stderr);
});
Maint.after(async (ctx) => ctx.db?.drop());

interface Row { action: string; partition: string; why: string | null }
const history = (c: pg.Client) => rows<Row>(c, `SELECT action, partition, detail ->> 'why' AS why FROM parting.history
                                                WHERE action IN ('created', 'skipped') ORDER BY id`);

Maint('a future partition\'s table and another\'s index name taken: both skipped with why, the others made; made once they are gone', async (ctx) => {
  const db = ctx.db!;
  const mallory = await db.as('mallory');
  const owner = await db.as('owner');
  const [m0, m1, m2, m3] = [month(0), month(1), month(2), month(3)];
  await mallory.query(`CREATE TABLE public.tweet_${m1.suffix} (x int)`);
  await mallory.query(`CREATE TABLE public.star_${m2.suffix}_pkey (x int)`);
  await owner.query('CALL parting.run_maintenance()');
  assert.equal(await history(owner), [
    { action: 'created', partition: `tweet_${m0.suffix}`, why: null },
    { action: 'created', partition: `star_${m0.suffix}`, why: null },
    { action: 'skipped', partition: `tweet_${m1.suffix}`, why: taken(db, 'table', `tweet_${m1.suffix}`) },
    { action: 'skipped', partition: `tweet_${m2.suffix}`, why: taken(db, 'table', `star_${m2.suffix}_pkey`) },
    { action: 'created', partition: `tweet_${m3.suffix}`, why: null },
    { action: 'created', partition: `star_${m3.suffix}`, why: null },
  ]);
  // Nothing of those families was made, and mallory's tables are as she left them.
  assert.equal(await column(owner, `SELECT relname::text FROM pg_class WHERE relname IN ($1, $2, $3) ORDER BY 1`,
    [`star_${m1.suffix}`, `tweet_${m2.suffix}`, `star_${m2.suffix}`]), []);
  assert.equal(await column(owner, `SELECT detail ->> 'create:taken' FROM parting.history WHERE action = 'maintained'`), ['2']);
  // check() names each with who must act.
  const problems = await rows<{ model: string; partition: string; problem: string; detail: string; fix: string }>(owner,
    `SELECT model, partition, problem, detail, fix FROM parting.check() WHERE problem = 'name taken' ORDER BY partition`);
  assert.equal(problems.map((p) => `${p.model} ${p.partition}`), [`star star_${m2.suffix}`, `tweet tweet_${m1.suffix}`]);
  assert.match(problems[1]!.detail, taken(db, 'table', `tweet_${m1.suffix}`));
  assert.match(problems[1]!.fix, `have role ${db.roles.mallory} (or a superuser) drop or rename it`);
  // pgpart's own partition is never asked for again under mallory's table: the error has its SQLSTATE.
  const e = await pgError(owner, `SELECT parting.ensure_partition('tweet', $1)`, [m1.key]);
  assert.is(e.code, SQLSTATE.nameTaken);
  assert.match(e.message, taken(db, 'table', `tweet_${m1.suffix}`));
  // Gone: the next run makes both.
  await mallory.query(`DROP TABLE public.tweet_${m1.suffix}; DROP TABLE public.star_${m2.suffix}_pkey`);
  await owner.query('CALL parting.run_maintenance()');
  assert.equal(await column(owner, `SELECT partition FROM parting.history WHERE action = 'created' ORDER BY id DESC LIMIT 4`),
    [`star_${m2.suffix}`, `tweet_${m2.suffix}`, `star_${m1.suffix}`, `tweet_${m1.suffix}`]);
  assert.equal(await column(owner, `SELECT problem FROM parting.check()`), []);
});

Maint('a type under a partition\'s name, and the owner\'s own tweet_backup: the first is taken, the second no orphan of pgpart\'s', async (ctx) => {
  const db = ctx.db!;
  const mallory = await db.as('mallory');
  const owner = await db.as('owner');
  const m4 = month(4);
  await mallory.query(`CREATE TYPE public.tweet_${m4.suffix} AS ENUM ('x')`);
  await owner.query('CREATE TABLE public.tweet_backup (LIKE public.tweet)');
  await owner.query(`UPDATE parting.config SET premake = 4 WHERE model = 'tweet'`);
  await owner.query('CALL parting.run_maintenance()');
  assert.equal(await column(owner, `SELECT detail ->> 'why' FROM parting.history WHERE action = 'skipped' ORDER BY id DESC LIMIT 1`),
    [taken(db, 'type', `tweet_${m4.suffix}`)]);
  assert.equal(await column(owner, `SELECT problem || ' ' || partition FROM parting.check() WHERE problem <> 'config changed'`),
    [`missing partition tweet_${m4.suffix}`, `name taken tweet_${m4.suffix}`]);
  await mallory.query(`DROP TYPE public.tweet_${m4.suffix}`);
  await owner.query('DROP TABLE public.tweet_backup');
});

Maint.run();

const Install = suite<Ctx>('names taken: the install goes on; a new model on another role\'s table is refused', {});
Install.before(async (ctx) => {
  ctx.db = await squatDatabase('takeni');
});
Install.after(async (ctx) => ctx.db?.drop());

Install('an initial partition\'s name taken: the install makes the rest, says which it could not, and logs it', async (ctx) => {
  const db = ctx.db!;
  const mallory = await db.as('mallory');
  // The model's parent must exist for a partition's name to be pgpart's: install once without partitions.
  const first = await psqlFile(db.url('owner'), writeInstallSql(monthlyTweetStar({ premake: 2, initial: false })));
  assert.is(first.code, 0, first.stderr);
  const m1 = month(1);
  await mallory.query(`CREATE TABLE public.star_${m1.suffix} (x int)`);
  const r = await psqlFile(db.url('owner'), writeInstallSql(monthlyTweetStar({ premake: 2, initial: true })));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `pgpart: partition public.tweet_${m1.suffix} of model "tweet" not made: ${taken(db, 'table', `star_${m1.suffix}`)}`);
  const owner = await db.as('owner');
  assert.equal(await column(owner, `SELECT partition FROM parting.history WHERE action = 'created' ORDER BY id`),
    [`tweet_${month(0).suffix}`, `star_${month(0).suffix}`, `tweet_${month(2).suffix}`, `star_${month(2).suffix}`]);
  assert.equal(await column(owner, `SELECT detail ->> 'why' FROM parting.history WHERE action = 'skipped'`), [taken(db, 'table', `star_${m1.suffix}`)]);
  await mallory.query(`DROP TABLE public.star_${m1.suffix}`);
});

Install('a new model whose table mallory made: plan and the install refuse, naming her; nothing is adopted', async (ctx) => {
  const db = ctx.db!;
  const mallory = await db.as('mallory');
  await mallory.query('CREATE TABLE public.reply (id bigint, body text)');
  const cfg = monthlyTweetStar({ premake: 2, initial: false });
  const withReply = { ...cfg, models: { ...cfg.models, reply: {
    columns: { id: 'bigint generated always as identity', body: 'text' }, primaryKey: ['id'],
    partitionForeignKey: { column: 'tweet_id', references: 'tweet' } } } };
  const owner = await db.as('owner');
  const desired = JSON.stringify(plan(validate(withReply)).desired);
  const steps = await rows<{ change: string; refused: string | null }>(owner, `SELECT change, refused FROM parting.plan($1::jsonb) WHERE model = 'reply'`, [desired]);
  assert.ok(steps.length >= 1);
  assert.ok(steps.every((s) => !/index|column|foreign key/.test(s.change)), JSON.stringify(steps));
  const refusal = steps.find((s) => s.refused !== null);
  assert.ok(refusal, JSON.stringify(steps));
  assert.match(refusal!.refused!, `models.reply: table public.reply exists and is owned by role ${db.roles.mallory}, not by ${db.roles.owner}: pgpart does not take over a table it did not make`);
  const r = await psqlFile(db.url('owner'), writeInstallSql(withReply));
  assert.not.equal(r.code, 0);
  assert.match(r.stderr, `table public.reply exists and is owned by role ${db.roles.mallory}`);
  assert.not.match(r.stderr, 'must be owner');
  assert.equal(await column(owner, `SELECT model FROM parting.config WHERE model = 'reply'`), []);
});

Install.run();

const Copies = suite<Ctx>('names taken: an index copy\'s name on an existing partition', {});
Copies.before(async (ctx) => {
  ctx.db = await squatDatabase('takenx');
  const r = await psqlFile(ctx.db.url('owner'), writeInstallSql(monthlyTweetStar({ premake: 2, initial: true })));
  assert.is(r.code, 0, r.stderr);
});
Copies.after(async (ctx) => ctx.db?.drop());

/** monthlyTweetStar with a plain index on `user` in the given models. */
function withUserIndex(models: ('tweet' | 'star')[]) {
  const cfg = monthlyTweetStar({ premake: 2, initial: true });
  for (const m of models) cfg.models[m]!.indexes = [{ columns: ['user'] }];
  return cfg;
}

interface Skip { model: string; partition: string; step: string; index: string; sqlstate: string; why: string }
const skips = (c: pg.Client) => rows<Skip>(c, `SELECT model, partition, detail ->> 'step' AS step, detail ->> 'index' AS index,
                                                        detail ->> 'sqlstate' AS sqlstate, detail ->> 'why' AS why
                                                   FROM parting.history WHERE action = 'skipped' ORDER BY id`);
const copies = (c: pg.Client, table: string) => column(c, `SELECT c.relname::text FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
                                                            WHERE x.indrelid::regclass::text LIKE $1 AND c.relname LIKE '%user_idx' ORDER BY 1`, [`${table}_%`]);

Copies('psql -f install.sql: the other copies built, that one skipped and logged, check() names it; built once it is gone', async (ctx) => {
  const db = ctx.db!;
  const mallory = await db.as('mallory');
  const owner = await db.as('owner');
  const [m0, m1, m2] = [month(0), month(1), month(2)];
  await mallory.query(`CREATE TABLE public.tweet_${m1.suffix}_user_idx (x int)`);
  const r = await psqlFile(db.url('owner'), writeInstallSql(withUserIndex(['tweet'])));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, `pgpart: index public.tweet_${m1.suffix}_user_idx on public.tweet_${m1.suffix} of model "tweet" not built: `
    + taken(db, 'table', `tweet_${m1.suffix}_user_idx`));
  assert.equal(await skips(owner), [{ model: 'tweet', partition: `tweet_${m1.suffix}`, step: 'index', index: `tweet_${m1.suffix}_user_idx`,
    sqlstate: SQLSTATE.nameTaken, why: taken(db, 'table', `tweet_${m1.suffix}_user_idx`) }]);
  assert.equal(await copies(owner, 'tweet'), [`tweet_${m0.suffix}_user_idx`, `tweet_${m2.suffix}_user_idx`]);
  const problems = await rows<{ partition: string; problem: string; detail: string; fix: string; repairable: boolean }>(owner,
    `SELECT partition, problem, detail, fix, repairable FROM parting.check() WHERE problem IN ('name taken', 'missing index')`);
  assert.equal(problems.map((p) => `${p.problem} ${p.partition} ${p.repairable}`), [`name taken public.tweet_${m1.suffix} false`]);
  assert.match(problems[0]!.detail, taken(db, 'table', `tweet_${m1.suffix}_user_idx`));
  assert.match(problems[0]!.fix, `have role ${db.roles.mallory} (or a superuser) drop or rename it`);
  // repair() leaves it alone (not pgpart's to take), and does not fail on it.
  assert.equal(await column(owner, `SELECT outcome FROM parting.repair() WHERE problem IN ('name taken', 'missing index') AND outcome = 'failed'`), []);
  // Gone: the next install builds the copy and attaches it; the parent's index is whole.
  await mallory.query(`DROP TABLE public.tweet_${m1.suffix}_user_idx`);
  const again = await psqlFile(db.url('owner'), writeInstallSql(withUserIndex(['tweet'])));
  assert.is(again.code, 0, again.stderr);
  assert.equal(await copies(owner, 'tweet'), [`tweet_${m0.suffix}_user_idx`, `tweet_${m1.suffix}_user_idx`, `tweet_${m2.suffix}_user_idx`]);
  assert.equal(await column(owner, `SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.tweet_user_idx'::regclass`), [true]);
  assert.equal(await column(owner, `SELECT problem FROM parting.check()`), []);
});

Copies('pgpart apply: the concurrent builds go on past a taken copy name, which is logged and reported', async (ctx) => {
  const db = ctx.db!;
  const mallory = await db.as('mallory');
  const owner = await db.as('owner');
  const [m0, m1, m2] = [month(0), month(1), month(2)];
  await owner.query('DELETE FROM parting.history');
  await mallory.query(`CREATE TABLE public.star_${m2.suffix}_user_idx (x int)`);
  const r = await runCli(['apply', '--config', writeConfig(withUserIndex(['tweet', 'star'])), '--database-url', db.url('owner')]);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, `index public.star_${m2.suffix}_user_idx on public.star_${m2.suffix} of model "star" not built: `
    + taken(db, 'table', `star_${m2.suffix}_user_idx`));
  assert.equal(await copies(owner, 'star'), [`star_${m0.suffix}_user_idx`, `star_${m1.suffix}_user_idx`]);
  const logged = await skips(owner);
  assert.ok(logged.length >= 1, JSON.stringify(logged));
  assert.ok(logged.every((s) => s.model === 'star' && s.partition === `star_${m2.suffix}` && s.sqlstate === SQLSTATE.nameTaken
    && s.why === taken(db, 'table', `star_${m2.suffix}_user_idx`)), JSON.stringify(logged));
  assert.equal(await column(owner, `SELECT problem || ' ' || partition FROM parting.check() WHERE problem IN ('name taken', 'missing index')`),
    [`name taken public.star_${m2.suffix}`]);
  await mallory.query(`DROP TABLE public.star_${m2.suffix}_user_idx`);
  const again = await runCli(['apply', '--config', writeConfig(withUserIndex(['tweet', 'star'])), '--database-url', db.url('owner')]);
  assert.is(again.code, 0, again.stdout + again.stderr);
  assert.equal(await copies(owner, 'star'), [`star_${m0.suffix}_user_idx`, `star_${m1.suffix}_user_idx`, `star_${m2.suffix}_user_idx`]);
  assert.equal(await column(owner, `SELECT problem FROM parting.check()`), []);
});

Copies('pgpart apply: a copy\'s name taken while apply builds the others is passed over, then logged by the install that follows', async (ctx) => {
  const db = ctx.db!;
  const owner = await db.as('owner');
  const [m0, m1, m2] = [month(0), month(1), month(2)];
  await owner.query('DELETE FROM parting.history');
  const cfg = withUserIndex(['tweet', 'star']);
  cfg.models.star!.indexes = [{ columns: ['user'] }, { columns: ['id', 'user'] }];
  const gate = newClient(db.url('mallory'));
  const squatter = newClient(db.url('mallory'));
  await gate.connect();
  await squatter.connect();
  try {
    // An old snapshot: the first concurrent build waits for it, after the work is listed.
    await gate.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await gate.query('SELECT 1');
    const gatePid = await pidOf(gate);
    const url = new URL(db.url('owner'));
    url.searchParams.set('application_name', 'pgpart-apply-taken');
    const apply = startCli(['apply', '--config', writeConfig(cfg), '--database-url', url.toString()]).done;
    await until('the first CREATE INDEX CONCURRENTLY waits for the old snapshot', async () =>
      (await rows(squatter, `SELECT pid FROM pg_stat_activity WHERE application_name = 'pgpart-apply-taken' AND $1 = ANY (pg_blocking_pids(pid))`,
        [gatePid]))[0], { unless: apply });
    await squatter.query(`CREATE TABLE public.star_${m2.suffix}_id_user_idx (x int)`);
    await gate.query('COMMIT');
    const r = await apply;
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, `star_${m2.suffix}_id_user_idx not built: `);
    assert.match(r.stdout, `index public.star_${m2.suffix}_id_user_idx on public.star_${m2.suffix} of model "star" not built: `
      + taken(db, 'table', `star_${m2.suffix}_id_user_idx`));
    assert.equal(await column(owner, `SELECT c.relname::text FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
                                       WHERE c.relname LIKE 'star\\_%\\_id\\_user\\_idx' ORDER BY 1`),
      [`star_${m0.suffix}_id_user_idx`, `star_${m1.suffix}_id_user_idx`]);
    assert.equal(await column(owner, `SELECT detail ->> 'why' FROM parting.history WHERE action = 'skipped'`),
      [taken(db, 'table', `star_${m2.suffix}_id_user_idx`)]);
    assert.equal(await column(owner, `SELECT problem || ' ' || partition FROM parting.check() WHERE problem IN ('name taken', 'missing index')`),
      [`name taken public.star_${m2.suffix}`]);
  } finally {
    await gate.query('ROLLBACK').catch(() => {});
    await squatter.query(`DROP TABLE IF EXISTS public.star_${m2.suffix}_id_user_idx`).catch(() => {});
    await gate.end();
    await squatter.end();
  }
});

Copies.run();

const Lists = suite<Ctx>('names taken: a list model\'s keys and default', {});
Lists.before(async (ctx) => {
  ctx.db = await squatDatabase('takenl');
});
Lists.after(async (ctx) => ctx.db?.drop());

/** listTweetStar in public, with these initial keys and a default partition. */
function listed(keys: string[]) {
  const cfg = listTweetStar();
  cfg.schema = 'public';
  cfg.models.tweet!.partition = { by: 'list', column: 'key', initial: keys, default: true };
  return cfg;
}

Lists('a configured key\'s partition and the default partition taken: skipped by the install, reported by check() with the fix', async (ctx) => {
  const db = ctx.db!;
  const mallory = await db.as('mallory');
  // The parents first, so that the names are pgpart's to use.
  const first = await psqlFile(db.url('owner'), writeInstallSql({ ...listTweetStar(), schema: 'public' }));
  assert.is(first.code, 0, first.stderr);
  await mallory.query('CREATE TABLE public.tweet_globex (x int)');
  await mallory.query('CREATE TABLE public.star_initech (x int)');
  await mallory.query('CREATE TABLE public.tweet_default (x int)');
  const r = await psqlFile(db.url('owner'), writeInstallSql(listed(['acme', 'globex', 'initech'])));
  assert.is(r.code, 0, r.stderr);
  const owner = await db.as('owner');
  assert.equal(await column(owner, `SELECT partition FROM parting.history WHERE action = 'created' ORDER BY id`), ['tweet_acme', 'star_acme']);
  const problems = await rows<{ model: string; partition: string; detail: string; fix: string }>(owner,
    `SELECT model, partition, detail, fix FROM parting.check() WHERE problem = 'name taken' ORDER BY model, partition`);
  assert.equal(problems.map((p) => `${p.model} ${p.partition}`), ['star star_initech', 'tweet tweet_default', 'tweet tweet_globex']);
  assert.match(problems[0]!.detail, taken(db, 'table', 'star_initech'));
  assert.match(problems[1]!.detail, taken(db, 'table', 'tweet_default'));
  assert.match(problems[2]!.detail, taken(db, 'table', 'tweet_globex'));
  assert.ok(problems.every((p) => p.fix.startsWith(`have role ${db.roles.mallory} (or a superuser) drop or rename it; the next install`)),
    JSON.stringify(problems));
  // Gone: the next install makes them, and check() has nothing to say.
  await mallory.query('DROP TABLE public.tweet_globex, public.star_initech, public.tweet_default');
  const again = await psqlFile(db.url('owner'), writeInstallSql(listed(['acme', 'globex', 'initech'])));
  assert.is(again.code, 0, again.stderr);
  assert.equal(await column(owner, `SELECT problem FROM parting.check()`), []);
});

Lists.run();
