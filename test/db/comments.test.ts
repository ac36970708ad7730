// COMMENT ON the models' parents and key columns: a dependent's lockstep foreign key exists
// on its partitions only, so without a comment `\d+ star` and the tools that read the
// catalog (Django's inspectdb, kysely-codegen) show tweet_id as a plain bigint. The install
// writes them with the tables, brings them up to date when the config changes (a 'comment'
// change, SHARE UPDATE EXCLUSIVE, shown by the plan), and never touches a comment a user
// wrote (one that does not start with 'pgpart:').

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../../src/build.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { FreshDatabase } from '../harness/db.js';
import { install, installed } from '../harness/install.js';
import { column, logged, monthlyTweetStar, rows, scalar } from './helpers.js';

const config = monthlyTweetStar({ premake: 1, initial: true });
const cascading: ConfigInput = structuredClone(config);
(cascading.models!.star!.partitionForeignKey as { onDelete?: string }).onDelete = 'cascade';

const Comments = suite<{ db?: FreshDatabase }>('comments on the parents and key columns', {});
Comments.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('comments', config));
});
Comments.after(async (ctx) => ctx.db?.drop());

const tableComment = (ctx: { db?: FreshDatabase }, table: string) => scalar<string | null>(ctx.db!.client, `SELECT obj_description($1::regclass, 'pg_class')`, [table]);
const columnComment = (ctx: { db?: FreshDatabase }, table: string, col: string) => scalar<string | null>(ctx.db!.client, `
  SELECT col_description(a.attrelid, a.attnum) FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = $2`, [table, col]);
const planned = (ctx: { db?: FreshDatabase }, c: ConfigInput) => rows<{ change: string; model: string; detail: string; locks: string; statements: string[] }>(
  ctx.db!.client, `SELECT change, model, detail, locks, statements FROM parting.plan($1::jsonb) WHERE change = 'comment'`, [JSON.stringify(compile(c).desired)]);

Comments('after an install: the parents name their model and partitioning, the lockstep columns their foreign key', async (ctx) => {
  assert.is(await tableComment(ctx, 'tweet'),
    'pgpart: model tweet, partitioned by range of created_at, a partition per month (UTC); pgpart makes, detaches and drops its partitions (parting.partitions() lists them)');
  assert.is(await columnComment(ctx, 'tweet', 'created_at'), 'pgpart: partition key of tweet: range of created_at, a partition per month (UTC)');
  assert.is(await tableComment(ctx, 'star'),
    'pgpart: model star, partitioned in lockstep with tweet by range of tweet_created_at, a partition per month (UTC): each partition has a foreign key (tweet_id, tweet_created_at) to the partition of tweet of the same key (id, created_at), ON DELETE NO ACTION');
  assert.is(await columnComment(ctx, 'star', 'tweet_id'), 'pgpart: lockstep FK to tweet(id) over (tweet_id, tweet_created_at) → tweet(id, created_at), ON DELETE NO ACTION');
  assert.is(await columnComment(ctx, 'star', 'tweet_created_at'),
    'pgpart: partition key, in lockstep with tweet(created_at); with the lockstep FK over (tweet_id, tweet_created_at) → tweet(id, created_at)');
  assert.is(await columnComment(ctx, 'star', 'user'), null, 'other columns get none');
  // psql's \d+ reads them from the catalog like this.
  assert.equal(await column(ctx.db!.client, `
    SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = 'star'::regclass AND a.attnum > 0
       AND col_description(a.attrelid, a.attnum) LIKE 'pgpart:%' ORDER BY a.attnum`), ['tweet_id', 'tweet_created_at']);
  assert.equal(await planned(ctx, config), [], 'the same config: nothing to comment');
});

Comments('a changed config: the plan shows the comment change and its lock; the install makes it and leaves a user\'s comment alone', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`COMMENT ON COLUMN star.tweet_id IS 'the tweet starred (ours)'`);
  const plan = await planned(ctx, cascading);
  assert.equal(plan.map((p) => [p.model, p.detail, p.locks]),
    [['star', "pgpart's comments on star", 'SHARE UPDATE EXCLUSIVE on public.star (writers go on)']]);
  assert.match(plan[0]!.statements[0]!, /^COMMENT ON TABLE public\.star IS '.*ON DELETE CASCADE'$/);
  await install(ctx.db!.url, cascading);
  assert.match((await tableComment(ctx, 'star'))!, /, ON DELETE CASCADE$/);
  assert.is(await columnComment(ctx, 'star', 'tweet_id'), 'the tweet starred (ours)', 'a user\'s comment is never replaced');
  assert.is(await scalar(c, `SELECT detail ->> 'detail' FROM parting.history WHERE action = 'reconciled' AND detail ->> 'change' = 'comment' ORDER BY id DESC LIMIT 1`),
    "pgpart's comments on star");
  assert.equal(await planned(ctx, cascading), []);
  // A comment the user removed is pgpart's to write again; their own stays theirs.
  await c.query(`COMMENT ON TABLE tweet IS NULL`);
  assert.equal((await planned(ctx, cascading)).map((p) => p.detail), ["pgpart's comments on tweet"]);
  await install(ctx.db!.url, cascading);
  assert.match((await tableComment(ctx, 'tweet'))!, /^pgpart: model tweet/);
});

Comments.run();
