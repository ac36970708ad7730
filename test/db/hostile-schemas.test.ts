// Schemas another role made are not pgpart's. A role with CREATE on the database (mallory)
// makes the models' schema first, or the archive schema, or installs pgpart itself first:
// the install, as the owner or as a superuser, refuses naming her and what to do, changes
// nothing, and never becomes her (no SET ROLE: a superuser is a member of every role).
// Last, what the owner needs of the database: TEMPORARY, for a re-install and `pgpart plan`.

import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { runCli, writeConfig } from '../harness/cli.js';
import { newClient, psqlFile, quoteIdent } from '../harness/db.js';
import { writeInstallSql } from '../harness/install.js';
import { roleDatabase, type RoleDatabase } from '../harness/roles.js';
import { catalog } from './catalog.js';
import { column, logged, monthlyTweetStar, pgError } from './helpers.js';
import { withRetention } from './maintenance-helpers.js';

const inApp: ConfigInput = { ...monthlyTweetStar({ premake: 1, initial: true }), schema: 'app' };

const S = suite<{ db?: RoleDatabase }>('hostile schemas: the models\' schema, the archive schema and parting, made first by another role', {});
S.before(async (ctx) => {
  ctx.db = await logged('roles', async () => {
    const db = await roleDatabase('hschema', { mallory: 'LOGIN' });
    const admin = newClient(db.adminUrl);
    await admin.connect();
    try {
      await admin.query(`GRANT CREATE ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(db.roles.mallory!)}`);
    } finally {
      await admin.end();
    }
    return db;
  });
});
S.after(async (ctx) => ctx.db?.drop());

S('mallory made the models\' schema first: the owner\'s install and a superuser\'s both refuse, naming her and the fix; once it is the owner\'s, it installs', async (ctx) => {
  const db = ctx.db!;
  const m = await db.as('mallory');
  await m.query('CREATE SCHEMA app');
  await m.query('GRANT ALL ON SCHEMA app TO PUBLIC');
  const owner = await db.as('owner');
  const before = await catalog(owner);
  const file = writeInstallSql(inApp);
  const r = await psqlFile(db.url('owner'), file);
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, `schema: schema app is owned by role ${db.roles.mallory}, not by ${db.roles.owner}: pgpart does not put the models' tables in a schema another role made (its owner could drop them). As ${db.roles.mallory} or a superuser: ALTER SCHEMA app OWNER TO ${db.roles.owner}; or choose another schema`);
  assert.equal(await catalog(owner), before);
  assert.equal(await column(owner, `SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'app'::regnamespace`), []);
  // A superuser is refused alike (it is a member of every role: that is no reason to trust her).
  const su = await psqlFile(db.adminUrl, file);
  assert.is(su.code, 3, su.stderr);
  assert.match(su.stderr, `schema: schema app is owned by role ${db.roles.mallory}, not by postgres`);
  assert.equal(await column(owner, `SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'app'::regnamespace`), []);
  // The fix the message names.
  await m.query(`ALTER SCHEMA app OWNER TO ${quoteIdent(db.roles.owner!)}`).then(
    () => assert.unreachable('mallory cannot give her schema to a role she is not a member of'), () => {});
  const admin = newClient(db.adminUrl);
  await admin.connect();
  try {
    await admin.query(`ALTER SCHEMA app OWNER TO ${quoteIdent(db.roles.owner!)}`);
  } finally {
    await admin.end();
  }
  const ok = await psqlFile(db.url('owner'), file);
  assert.is(ok.code, 0, ok.stderr);
  assert.equal(await column(owner, `SELECT DISTINCT c.relowner::regrole::text FROM pg_class c WHERE c.relnamespace = 'app'::regnamespace AND c.relkind IN ('r', 'p')`),
    [db.roles.owner]);
  // Tidy for the next test: the owner drops what it made.
  await owner.query('DROP SCHEMA app CASCADE');
  await owner.query('DROP SCHEMA parting CASCADE');
  await owner.query('DROP SCHEMA archive CASCADE');
});

S('mallory installed pgpart first: a superuser\'s install refuses naming her, becomes no one, and changes nothing', async (ctx) => {
  const db = ctx.db!;
  const mine = await psqlFile(db.url('mallory'), writeInstallSql({ ...inApp, schema: 'mallory_app' }));
  assert.is(mine.code, 0, mine.stderr);
  const admin = newClient(db.adminUrl);
  await admin.connect();
  try {
    const before = await catalog(admin);
    const r = await psqlFile(db.adminUrl, writeInstallSql(inApp));
    assert.is(r.code, 3, r.stderr);
    assert.match(r.stderr, `ERROR:  schema parting is owned by role ${db.roles.mallory}, not by postgres: pgpart does not install into a schema another role made`);
    assert.match(r.stderr, `If ${db.roles.mallory} is pgpart's owner here, install as ${db.roles.mallory} (psql -U ${db.roles.mallory}, or SET ROLE ${db.roles.mallory} first); if not, drop the schema parting`);
    assert.equal(await catalog(admin), before);
    assert.equal(await column(admin, `SELECT nspname::text FROM pg_namespace WHERE nspname = 'app'`), []);
    // The script never takes her role: no SET ROLE statement in it.
    assert.not.match(readFileSync(writeInstallSql(inApp), 'utf8'), /^\s*SET (LOCAL )?ROLE|EXECUTE[^;]*SET (LOCAL )?ROLE/m);
    // The owner of the database is refused alike.
    const o = await psqlFile(db.url('owner'), writeInstallSql(inApp));
    assert.is(o.code, 3, o.stderr);
    assert.match(o.stderr, `schema parting is owned by role ${db.roles.mallory}, not by ${db.roles.owner}`);
    await admin.query('DROP SCHEMA parting CASCADE');
    await admin.query('DROP SCHEMA mallory_app CASCADE');
    await admin.query('DROP SCHEMA IF EXISTS archive CASCADE');
  } finally {
    await admin.end();
  }
});

S('an archive schema mallory made: the owner\'s and a superuser\'s installs refuse it while a model archives; maintenance archives nothing into it', async (ctx) => {
  const db = ctx.db!;
  const m = await db.as('mallory');
  await m.query('CREATE SCHEMA archive');
  await m.query('GRANT ALL ON SCHEMA archive TO PUBLIC');
  const archiving = withRetention(monthlyTweetStar({ premake: 1, initial: true }), '2 months', 'archive');
  for (const [who, url, role] of [['owner', db.url('owner'), db.roles.owner], ['superuser', db.adminUrl, 'postgres']] as const) {
    const r = await psqlFile(url, writeInstallSql(archiving));
    assert.is(r.code, 3, `${who}: ${r.stderr}`);
    assert.match(r.stderr, `archiveSchema: schema archive is owned by role ${db.roles.mallory}, not by ${role}: pgpart does not archive into a schema another role made (its owner could drop the archived partitions). As ${db.roles.mallory} or a superuser: ALTER SCHEMA archive OWNER TO ${role}`);
  }
  // Installed without archiving, as the owner; then a superuser (as pg_cron) archives by hand: refused.
  const ok = await psqlFile(db.url('owner'), writeInstallSql(monthlyTweetStar({ premake: 1, initial: true })));
  assert.is(ok.code, 0, ok.stderr);
  const admin = newClient(db.adminUrl);
  await admin.connect();
  try {
    const key = (await column<string>(admin, `SELECT key FROM parting.partitions('tweet') WHERE key IS NOT NULL ORDER BY key LIMIT 1`))[0]!;
    const e = await pgError(admin, `SELECT parting.detach_partition('tweet', $1, 'archive')`, [key]);
    assert.match(e.message, `schema archive is owned by role ${db.roles.mallory}, not by ${db.roles.owner} (pgpart's owner): pgpart does not archive into a schema another role made`);
    assert.match(e.hint ?? '', `as ${db.roles.mallory} or a superuser, ALTER SCHEMA archive OWNER TO ${db.roles.owner}`);
    assert.equal(await column(admin, `SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'archive'::regnamespace`), []);
  } finally {
    await admin.end();
  }
});

S('without TEMPORARY on the database: a re-install and `pgpart plan` stop, naming the GRANT to ask for; with it they go on', async (ctx) => {
  const db = ctx.db!;
  // The owner's install of the previous test is there; its models' tables exist, so the
  // install reads their column definitions in a temporary table.
  const file = writeInstallSql(monthlyTweetStar({ premake: 1, initial: true }));
  const admin = newClient(db.adminUrl);
  await admin.connect();
  try {
    await admin.query(`REVOKE TEMPORARY ON DATABASE ${quoteIdent(db.name)} FROM PUBLIC, ${quoteIdent(db.roles.owner!)}`);
    const r = await psqlFile(db.url('owner'), file);
    assert.is(r.code, 3, r.stderr);
    assert.match(r.stderr, `role ${db.roles.owner} may not make temporary tables in database ${db.name}: the install and \`pgpart plan\` read the config's column definitions of model "tweet"`);
    assert.match(r.stderr, `HINT:  nothing was changed; as the database's owner or a superuser: GRANT TEMPORARY ON DATABASE ${db.name} TO ${db.roles.owner}`);
    const p = await runCli(['plan', '--config', writeConfig(monthlyTweetStar({ premake: 1, initial: true })), '--database-url', db.url('owner')]);
    assert.is(p.code, 2, p.stderr);
    assert.match(p.stderr, `may not make temporary tables in database ${db.name}`);
    await admin.query(`GRANT TEMPORARY ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(db.roles.owner!)}`);
    const ok = await psqlFile(db.url('owner'), file);
    assert.is(ok.code, 0, ok.stderr);
  } finally {
    await admin.end();
  }
});

S.run();
