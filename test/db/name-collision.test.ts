// Plain list keys whose partition name equals a name pgpart (or PostgreSQL) gives to another
// object — the parent's pkey index, its identity sequence, or an index of another partition.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { ensure, listTweetStar, logged } from './helpers.js';

const Collide = suite<{ db?: FreshDatabase }>('name collisions of list keys', {});
Collide.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('collide', listTweetStar()));
});
Collide.after(async (ctx) => ctx.db?.drop());

Collide("key 'pkey' gets a partition (tweet_pkey is the parent's primary key index)", async (ctx) => {
  assert.is((await ensure(ctx.db!.client, 'tweet', 'pkey')).length, 2);
});

Collide("key 'id_seq' gets a partition (tweet_id_seq is the identity sequence)", async (ctx) => {
  assert.is((await ensure(ctx.db!.client, 'tweet', 'id_seq')).length, 2);
});

Collide("key 'tweet_id_idx' gets a partition (star_tweet_id_idx is star's parent index)", async (ctx) => {
  assert.is((await ensure(ctx.db!.client, 'tweet', 'tweet_id_idx')).length, 2);
});

Collide("keys 'cd_pkey' and 'cd' can both have partitions, in either order", async (ctx) => {
  const c = ctx.db!.client;
  assert.is((await ensure(c, 'tweet', 'cd_pkey')).length, 2);
  assert.is((await ensure(c, 'tweet', 'cd')).length, 2);
  assert.is((await ensure(c, 'tweet', 'ef')).length, 2);
  assert.is((await ensure(c, 'tweet', 'ef_id_uniq')).length, 2);
});

Collide.run();
