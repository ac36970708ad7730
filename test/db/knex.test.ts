// Installing through Knex, with real Knex: knex.raw of the script fails (Knex makes every `?`
// a parameter), installWithKnex runs it on the connection Knex hands out, inside a Knex
// migration's transaction (a migration source of Knex's own API) and outside one, and
// returns pgpart's notices.
import knexFactory, { type Knex } from 'knex';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from '../../src/build.js';
import { installWithKnex } from '../../src/db/knex.js';
import { freshDatabase, type FreshDatabase } from '../harness/db.js';
import { logged, monthlyTweetStar, scalar } from './helpers.js';

const KnexTest = suite<{ db?: FreshDatabase; knex?: Knex }>('Knex: installing pgpart', {});
KnexTest.before(async (ctx) => {
  await logged('database', async () => {
    ctx.db = await freshDatabase('knex');
    ctx.knex = knexFactory({ client: 'pg', connection: ctx.db.url, pool: { min: 0, max: 2 } });
  });
});
KnexTest.after(async (ctx) => {
  await ctx.knex?.destroy();
  await ctx.db?.drop();
});

KnexTest('knex.raw(install.sql) fails: Knex makes each ? a parameter', async (ctx) => {
  try {
    // Without BEGIN/COMMIT: with them, the failed script would leave its pooled connection in an aborted transaction.
    await ctx.knex!.raw(build(monthlyTweetStar(), { transaction: false }));
    assert.unreachable('knex.raw should fail');
  } catch (err) {
    assert.match((err as Error).message, /syntax error at or near "\$\d+"|cannot insert multiple commands into a prepared statement|bind message supplies 0 parameters/, (err as Error).message.slice(-300));
  }
  assert.is(await scalar(ctx.db!.client, `SELECT to_regclass('parting.meta') IS NULL`), true, 'nothing was installed');
});

KnexTest('in a Knex migration: installWithKnex runs the script in the migration\'s transaction and returns pgpart\'s notices', async (ctx) => {
  const knex = ctx.knex!;
  const seen: string[][] = [];
  const migration = (name: string, config: ReturnType<typeof monthlyTweetStar>) => ({
    name,
    up: async (trx: Knex) => { seen.push(await installWithKnex(trx, build(config, { transaction: false }))); },
    down: async () => { throw new Error('no down'); },
  });
  const grown = monthlyTweetStar();
  grown.models!.tweet!.columns.lang = 'text';
  const migrations = [migration('001_install', monthlyTweetStar()), migration('002_lang', grown)];
  await knex.migrate.latest({
    migrationSource: {
      getMigrations: async () => migrations,
      getMigrationName: (m: { name: string }) => m.name,
      getMigration: async (m: (typeof migrations)[number]) => m,
    },
  });
  assert.is(await scalar(ctx.db!.client, `SELECT count(*)::int FROM knex_migrations`), 2);
  assert.ok(seen[0]!.some((n) => /^pgpart: create model tweet/.test(n)), seen[0]!.join('\n'));
  assert.ok(seen[1]!.some((n) => /^pgpart: add column tweet/.test(n)), seen[1]!.join('\n'));
  assert.is(await scalar(ctx.db!.client, `SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'tweet' AND column_name = 'lang'`), 1);
});

KnexTest('outside a transaction: the script with its own BEGIN/COMMIT, again, changes nothing', async (ctx) => {
  const grown = monthlyTweetStar();
  grown.models!.tweet!.columns.lang = 'text';
  const notices = await installWithKnex(ctx.knex!, build(grown));
  assert.equal(notices.filter((n) => n.startsWith('pgpart:')), [], 'nothing to change');
});

KnexTest.run();
