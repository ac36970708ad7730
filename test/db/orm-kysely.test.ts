// `pgpart generate kysely`, checked by Kysely itself (its pg dialect) against a real database:
// a tweet and its star inserted, the star's key written as the tweet came back, the
// relation joined both ways with the generated joinParent (both columns), the tweet deleted
// and its star with it (onDelete cascade).
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FreshDatabase } from '../harness/db.js';
import { generated, ormDatabase, partitionOf, scratchProject } from '../harness/orm.js';
import { logged, month } from './helpers.js';

type Generated = typeof import('../fixtures/orm/kysely.js');
type DB = import('../fixtures/orm/kysely.js').DB;

const m = month(-1);
const KyselyTest = suite<{ db?: FreshDatabase; kysely?: Kysely<DB>; gen?: Generated }>('Kysely: pgpart generate kysely', {});
KyselyTest.before(async (ctx) => {
  await logged('database', async () => {
    ctx.db = await ormDatabase('orm_kysely', m.key);
    ctx.kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ctx.db.url }) }) });
    ctx.gen = await import(await generated('kysely', path.join(scratchProject('kysely'), 'db.ts'))) as Generated;
  });
});
KyselyTest.after(async (ctx) => {
  await ctx.kysely?.destroy();
  await ctx.db?.drop();
});

KyselyTest('insert a tweet and its star, join both ways over both columns, delete with onDelete cascade', async (ctx) => {
  const db = ctx.kysely!;
  const { joinParent, relations } = ctx.gen!;
  assert.equal(relations.star, { parent: 'tweet', columns: ['tweet_id', 'tweet_created_at'], references: ['id', 'created_at'], onDelete: 'cascade' });
  const tweet = await db.insertInto('tweet').values({ json: JSON.stringify({ text: 'hi' }), user: 'ann', created_at: m.at() })
    .returningAll().executeTakeFirstOrThrow();
  assert.type(tweet.id, 'string', 'int8 comes back as a string');
  assert.instance(tweet.created_at, Date);
  // The key is to the millisecond (the fixture's default truncates now()), so the Date is exact.
  const star = await db.insertInto('star').values({ user: 'bob', tweet_id: tweet.id, tweet_created_at: tweet.created_at })
    .returningAll().executeTakeFirstOrThrow();
  assert.is(await partitionOf(ctx.db!, 'star', 'id = $1', [star.id]), `star_${m.suffix}`);

  const up = await db.selectFrom('star').innerJoin('tweet', (j) => joinParent(j, 'star'))
    .select(['star.id as star', 'tweet.id as tweet', 'tweet.user']).where('star.id', '=', star.id).execute();
  assert.equal(up, [{ star: star.id, tweet: tweet.id, user: 'ann' }]);
  const down = await db.selectFrom('tweet').innerJoin('star', (j) => joinParent(j, 'star'))
    .select('star.id').where('tweet.id', '=', tweet.id).execute();
  assert.equal(down.map((r) => r.id), [star.id]);

  await db.deleteFrom('tweet').where('id', '=', tweet.id).execute();
  assert.equal(await db.selectFrom('star').selectAll().execute(), [], 'the star went with its tweet (ON DELETE CASCADE)');
});

KyselyTest.run();
