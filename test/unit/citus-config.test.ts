// Citus in the config: `distribution` on a root model, what pgpart derives from it (the
// dependents' distribution column and colocation, the distribution column added to keys,
// said in a note), and what it refuses where Citus would, each with the fix.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../../src/model/validate.js';
import { plan } from '../../src/plan/plan.js';
import { dependent, expectIssue, tweet, tweetStar, type Obj } from './helpers.js';

const Citus = suite('citus config');

const distributed = (change: (c: Obj) => void = () => {}): Obj => tweetStar((c) => {
  c.models.tweet.distribution = { column: 'id' };
  change(c);
});

Citus('a root distributes its dependents by their foreign-key column, colocated with it', () => {
  const project = validate(distributed());
  const [tweetModel, star] = project.models;
  assert.equal(tweetModel!.distribution, { column: 'id', colocateWith: 'tweet' });
  assert.equal(star!.distribution, { column: 'tweet_id', colocateWith: 'tweet' });
  const rows = plan(project).desired.models.map((m) => m.config.distribution);
  assert.equal(rows, [{ column: 'id', colocate_with: 'tweet' }, { column: 'tweet_id', colocate_with: 'tweet' }]);
});

Citus('a grandchild is colocated with the root, by the column that carries the distribution value', () => {
  const project = validate(distributed((c) => {
    c.models.star.primaryKey = ['id', 'tweet_id'];
    c.models.reply = { columns: { id: 'bigint not null' }, primaryKey: ['id'], partitionForeignKey: { column: ['star_id', 'star_tweet'], references: 'star' } };
  }));
  assert.equal(project.models.find((m) => m.name === 'reply')!.distribution, { column: 'star_tweet', colocateWith: 'tweet' });
});

Citus('the distribution column is added to primary keys and unique constraints, and a note says so', () => {
  const project = validate(distributed((c) => (c.models.star.unique = [['user']])));
  const star = project.models.find((m) => m.name === 'star')!;
  assert.equal(star.indexes.filter((i) => i.kind !== 'index').map((i) => `${i.kind}:${i.columns.join(',')}`), [
    'primary:id,tweet_created_at,tweet_id', 'local_unique:id,tweet_id', 'unique:user,tweet_created_at,tweet_id', 'local_unique:user,tweet_id',
  ]);
  assert.ok(star.notes.some((n) => /primary key \(id\) becomes \(id, tweet_created_at, tweet_id\) because PostgreSQL requires the partition key in it and Citus the distribution column tweet_id/.test(n)), star.notes.join('\n'));
  // A key holding the partition key but not the distribution column: only the column is added.
  const t = validate(distributed((c) => (c.models.tweet.unique = [['user', 'created_at']]))).models[0]!;
  assert.ok(t.indexes.some((i) => i.kind === 'unique' && i.columns.join() === 'user,created_at,id'));
  assert.ok(t.notes.some((n) => /unique constraint \(user, created_at\) becomes \(user, created_at, id\) because Citus requires the distribution column in it/.test(n)));
});

Citus('without distribution nothing changes: no distribution in the config rows', () => {
  const rows = plan(validate(tweetStar())).desired.models.map((m) => m.config);
  assert.ok(rows.every((r) => !('distribution' in r)));
});

Citus('a reference table is refused: Citus cannot make a partitioned table one', () => {
  expectIssue(tweetStar((c) => (c.models.tweet.distribution = { reference: true })), 'models.tweet.distribution.reference',
    /^Citus cannot make a partitioned table a reference table/);
});

Citus('a distribution column that is not a column', () => {
  expectIssue(distributed((c) => (c.models.tweet.distribution = { column: 'author' })), 'models.tweet.distribution.column',
    /^"author" is not a column of tweet \(columns: id, user, created_at\)$/);
});

Citus('distribution on a dependent is refused: it follows its root', () => {
  expectIssue(distributed((c) => (c.models.star.distribution = { column: 'tweet_id' })), 'models.star.distribution',
    /^star is partitioned in lockstep with tweet: it is distributed by its foreign key to tweet and colocated with tweet\. Declare distribution on the root model tweet only/);
});

Citus('a foreign key without the distribution column is refused, with the primary key to change', () => {
  expectIssue(tweetStar((c) => (c.models.tweet.distribution = { column: 'user' })), 'models.star.partitionForeignKey',
    /^Citus needs a foreign key between distributed tables to include the distribution column: star references tweet's primary key \(id\), which lacks tweet's distribution column user\. Add user to models\.tweet\.primaryKey/);
  // One level down: star's declared key (id) lacks its distribution column tweet_id.
  expectIssue(distributed((c) => (c.models.reply = dependent('star'))), 'models.reply.partitionForeignKey',
    /star's primary key \(id\), which lacks star's distribution column tweet_id\. Add tweet_id to models\.star\.primaryKey/);
});

Citus('ON DELETE SET NULL on the distribution column is refused', () => {
  expectIssue(distributed((c) => (c.models.star.partitionForeignKey.onDelete = 'set null')), 'models.star.partitionForeignKey.onDelete',
    /^Citus refuses ON DELETE SET NULL on a foreign key whose columns include the distribution column \(tweet_id\): use 'cascade', 'restrict' or 'no action'$/);
});

for (const [key, set] of [
  ['tablespace', (c: Obj) => (c.models.tweet.tablespace = 'fast')],
  ['archiveTablespace', (c: Obj) => (c.models.star.archiveTablespace = 'slow')],
  ['partition.tiers', (c: Obj) => (c.models.tweet.partition.tiers = [{ moveAfter: '1 month', tablespace: 'slow' }])],
] as const) {
  Citus(`${key} on a distributed family is refused, saying why`, () => {
    const model = key === 'archiveTablespace' ? 'star' : 'tweet';
    expectIssue(distributed(set), `models.${model}.${key}`, /^Citus places a distributed table's shards on the workers without the coordinator's tablespaces.*tablespaces are not supported on Citus/);
  });
}

Citus('a DEFAULT partition in a distributed family is refused, saying why', () => {
  expectIssue(distributed((c) => (c.models.tweet.partition.default = true)), 'models.tweet.partition.default',
    /^a distributed family cannot have a DEFAULT partition: .*Citus refuses on a distributed table\. Remove default/);
});

Citus('a plain config with tweet() still validates (no Citus words leak)', () => {
  assert.is(validate({ models: { tweet: tweet() } }).models[0]!.distribution, null);
});

Citus.run();
