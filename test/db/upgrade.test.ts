// Upgrading in place: a database installed by pgpart's schema revision 1 (the install.sql
// that commit 7da8f01 built from test/fixtures/rev1/upgrade.config.ts, kept verbatim) takes
// today's install.sql of the same config: functions whose signature changed leave no
// overload behind, rows stay, and the new runtime works on the old partitions.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshDatabase, psqlFile, type FreshDatabase } from '../harness/db.js';
import { install } from '../harness/install.js';
import { schemaRevision } from '../../src/emit/render.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { column, logged, scalar } from './helpers.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/rev1/install.sql');

/** test/fixtures/rev1/upgrade.config.ts, as a ConfigInput. */
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

const Upgrade = suite<{ db?: FreshDatabase }>('upgrade from schema revision 1', {});
Upgrade.before((ctx) => logged('setup', async () => {
  assert.match(readFileSync(fixture, 'utf8'), /^-- pgpart 0\.1\.0 install script, schema revision 1\./);
  ctx.db = await freshDatabase('upgrade');
  const old = await psqlFile(ctx.db.url, fixture);
  assert.is(old.code, 0, old.stderr);
  await ctx.db.client.query(`WITH t AS (INSERT INTO tweet ("user") VALUES ('old') RETURNING id, created_at)
                             INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'old', id, created_at FROM t`);
  // A row beyond the premade months waits in the default partition.
  await ctx.db.client.query(`WITH t AS (INSERT INTO tweet ("user", created_at) VALUES ('ahead', now() + interval '3 months') RETURNING id, created_at)
                             INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'ahead', id, created_at FROM t`);
}));
Upgrade.after(async (ctx) => { await ctx.db?.drop(); });

Upgrade('today\'s install.sql runs over it, with no stale overload left', async (ctx) => {
  const c = ctx.db!.client;
  await install(ctx.db!.url, config);
  assert.is(await scalar(c, `SELECT schema_revision FROM parting.meta`), schemaRevision());
  assert.equal(await column(c, `SELECT p.oid::regprocedure::text FROM pg_proc p
                                 WHERE p.pronamespace = 'parting'::regnamespace
                                   AND p.proname IN ('_create_family', '_create_partition', '_exec') ORDER BY 1`),
    ['parting._create_family(parting.config,text,boolean,integer)']);
  assert.equal(await column(c, `SELECT proname::text FROM pg_proc WHERE pronamespace = 'parting'::regnamespace
                                 GROUP BY proname HAVING count(*) > 1 ORDER BY 1`), ['partition_for'], 'only partition_for is overloaded on purpose');
});

Upgrade('the new runtime maintains the old partitions: premake, drain, detach and attach back; no row lost', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`UPDATE parting.config SET premake = 3 WHERE model = 'tweet'`);
  await c.query(`CALL parting.run_maintenance()`);
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE action IN ('failed', 'skipped')`), []);
  assert.equal(await column(c, `SELECT tableoid::regclass::text FROM tweet WHERE "user" = 'ahead'`),
    [`tweet_${await scalar<string>(c, `SELECT to_char(now() + interval '3 months', 'YYYY_MM')`)}`], 'drained out of the default');
  const month = await scalar<string>(c, `SELECT to_char(now(), 'YYYY-MM')`);
  assert.equal(await column(c, `SELECT parting.detach_partition('tweet', $1)`, [month]).then((r) => r.length), 2);
  assert.equal(await column(c, `SELECT count(*)::int FROM tweet WHERE "user" = 'old'`), [0]);
  assert.equal((await column(c, `SELECT parting.attach_partition('tweet', $1)`, [month])).length, 2);
  assert.equal(await column(c, `SELECT count(*)::int FROM star s JOIN tweet t ON t.id = s.tweet_id AND t.created_at = s.tweet_created_at`), [2]);
});

Upgrade.run();
