// Normalization: what validate() makes of a valid config (strategies, families, keys).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../../src/model/validate.js';
import type { Model, Project } from '../../src/model/types.js';
import { dependent, loadConfig, tweet, tweetStar, type Obj } from './helpers.js';

const ModelSuite = suite<{ example?: Project }>('model', {});

ModelSuite.before(async (ctx) => {
  try {
    ctx.example = validate(await loadConfig('examples/pgpart.config.ts'));
  } catch (err) {
    console.error(err); // uvu hides errors thrown by hooks
    throw err;
  }
});

const byName = (p: Project, name: string): Model => {
  const m = p.models.find((x) => x.name === name);
  assert.ok(m, `no model ${name} in ${p.models.map((x) => x.name).join(', ')}`);
  return m!;
};
const column = (m: Model, name: string) => m.columns.find((c) => c.name === name);
const strategyOf = (config: Obj, name = 'tweet') => byName(validate(config), name).strategy;

ModelSuite('example: models in order, roots first and dependents after their roots', (ctx) => {
  assert.equal(ctx.example!.models.map((m) => m.name), ['tweet', 'star', 'tenant_event']);
  // Declaring a dependent before its root does not change that.
  const p = validate({ models: { star: dependent('tweet'), tenant: { ...tweet(), partition: { by: 'list', column: 'user' } }, tweet: tweet() } });
  assert.equal(p.models.map((m) => m.name), ['tenant', 'tweet', 'star']);
});

ModelSuite('example: tweet\'s primary key gets the partition key, plus a per-partition unique index on (id)', (ctx) => {
  const t = byName(ctx.example!, 'tweet');
  const pk = t.indexes.find((i) => i.kind === 'primary')!;
  assert.equal(pk.columns, ['id', 'created_at']);
  assert.is(pk.name, 'tweet_pkey');
  const local = t.indexes.filter((i) => i.kind === 'local_unique');
  assert.equal(local.map((i) => i.columns), [['id']]);
  assert.equal(t.referenceKey, ['id'], 'what dependents reference stays the declared key');
  assert.ok(t.notes.some((n) => /^tweet: primary key \(id\) becomes \(id, created_at\)/.test(n) && /unique index on \(id\) in each partition/.test(n)), t.notes.join('\n'));
});

ModelSuite('example: star gets tweet_id and tweet_created_at, tweet\'s strategy and a link', (ctx) => {
  const star = byName(ctx.example!, 'star');
  const t = byName(ctx.example!, 'tweet');
  assert.equal(column(star, 'tweet_id'), { name: 'tweet_id', type: 'bigint', definition: 'bigint not null', identity: false, generated: false, notNull: true });
  assert.equal(column(star, 'tweet_created_at'), { name: 'tweet_created_at', type: 'timestamptz', definition: 'timestamptz not null', identity: false, generated: false, notNull: true });
  assert.equal(star.strategy, { ...t.strategy, column: 'tweet_created_at', initial: false });
  assert.equal(star.link, { references: 'tweet', columns: ['tweet_id'], refColumns: ['id'], keyColumn: 'tweet_created_at', onDelete: 'no action', tag: 'tweet_id_fkey' });
  assert.is(star.root, 'tweet');
  assert.equal([t.familyOrder, star.familyOrder], [0, 1]);
  assert.ok(star.indexes.some((i) => i.kind === 'index' && i.columns.join() === 'tweet_id' && i.name === 'star_tweet_id_idx'), JSON.stringify(star.indexes));
  assert.equal(star.indexes.find((i) => i.kind === 'primary')!.columns, ['id', 'tweet_created_at']);
});

ModelSuite('a chain a → b → c: key columns named down the chain, one root, family order', () => {
  const at = { columns: { id: 'bigint', created_at: 'timestamptz not null' }, primaryKey: ['id'], partition: { by: 'range', column: 'created_at', interval: '1 day' } };
  const p = validate({ models: { c: dependent('b'), b: dependent('a'), a: at } });
  assert.equal(p.models.map((m) => m.name), ['a', 'b', 'c']);
  const [a, b, c] = p.models as [Model, Model, Model];
  assert.is(b.link!.keyColumn, 'a_created_at');
  assert.is(c.link!.keyColumn, 'b_a_created_at');
  assert.is(c.strategy.column, 'b_a_created_at');
  assert.equal(c.link!.refColumns, ['id']);
  assert.is(c.link!.references, 'b');
  assert.equal([a.root, b.root, c.root], ['a', 'a', 'a']);
  assert.equal([a.familyOrder, b.familyOrder, c.familyOrder], [0, 1, 2]);
  assert.is(column(c, 'b_a_created_at')!.type, 'timestamptz');
});

ModelSuite('two dependents of one parent', () => {
  const p = validate({ models: { tweet: tweet(), star: dependent('tweet'), reply: dependent('tweet') } });
  assert.equal(p.models.map((m) => m.name), ['tweet', 'star', 'reply']);
  for (const name of ['star', 'reply']) {
    const m = byName(p, name);
    assert.equal(m.link && { references: m.link.references, keyColumn: m.link.keyColumn }, { references: 'tweet', keyColumn: 'tweet_created_at' });
    assert.is(m.root, 'tweet');
  }
  const orders = p.models.map((m) => m.familyOrder);
  assert.is(orders[0], 0);
  assert.ok(orders[1]! > 0 && orders[2]! > 0 && orders[1] !== orders[2], `family order ${orders}`);
});

ModelSuite('a custom keyColumn', () => {
  const p = validate(tweetStar((c) => (c.models.star.partitionForeignKey.keyColumn = 'tweet_at')));
  const star = byName(p, 'star');
  assert.is(star.link!.keyColumn, 'tweet_at');
  assert.is(star.strategy.column, 'tweet_at');
  assert.is(column(star, 'tweet_at')!.definition, 'timestamptz not null');
  assert.not.ok(column(star, 'tweet_created_at'));
});

ModelSuite('a parent key that already holds the partition column: FK columns map one to one', () => {
  const p = validate(tweetStar((c) => {
    c.models.tweet.primaryKey = ['id', 'created_at'];
    c.models.star.partitionForeignKey.column = ['tweet_id', 'tweet_at'];
  }));
  const t = byName(p, 'tweet');
  const star = byName(p, 'star');
  assert.equal(t.indexes.map((i) => i.kind), ['primary'], 'no local unique index needed');
  assert.equal(t.notes, []);
  assert.equal(star.link!.columns, ['tweet_id', 'tweet_at']);
  assert.equal(star.link!.refColumns, ['id', 'created_at']);
  assert.is(star.link!.keyColumn, 'tweet_at');
  assert.equal(star.columns.map((c) => c.name), ['id', 'user', 'tweet_id', 'tweet_at'], 'no extra key column');
});

ModelSuite('columns the user declared for the FK are kept, not added again', () => {
  const p = validate(tweetStar((c) => (c.models.star.columns.tweet_id = 'bigint not null')));
  const star = byName(p, 'star');
  assert.equal(star.columns.filter((c) => c.name === 'tweet_id').length, 1);
  assert.not.ok(star.notes.some((n) => n.startsWith('star.tweet_id')), star.notes.join('\n'));
});

const spellings: [string, string][] = [
  ['1 month', 'month'], ['month', 'month'], ['monthly', 'month'], ['1 months', 'month'], ['Monthly', 'month'],
  ['3 months', 'quarter'], ['1 year', 'year'], ['12 months', 'year'], ['1 week', 'week'], ['7 days', 'week'],
  ['1 day', 'day'], ['daily', 'day'], ['1 hour', 'hour'],
];
ModelSuite('interval spellings', () => {
  for (const [interval, unit] of spellings) {
    const s = strategyOf(tweetStar((c) => (c.models.tweet.partition.interval = interval)));
    assert.is(s.kind === 'range' && s.unit, unit, `'${interval}'`);
  }
});

ModelSuite('an integer range: width, no time unit', () => {
  const s = strategyOf(tweetStar((c) => (c.models.tweet.partition = { by: 'range', column: 'id', interval: 100000 })));
  assert.equal(s.kind === 'range' && { keyType: s.keyType, width: s.width, unit: s.unit }, { keyType: 'integer', width: 100000, unit: null });
});

ModelSuite('a list on an integer column: keys as text, key type integer', () => {
  const s = strategyOf({ models: { tweet: { ...tweet(), columns: { ...tweet().columns, shard: 'int not null' }, partition: { by: 'list', column: 'shard', initial: [1, 22] } } } });
  assert.equal(s, { kind: 'list', column: 'shard', keyType: 'integer', initial: ['1', '22'], default: false });
});

ModelSuite('defaults: premake and time zone from the project, a model may override them', () => {
  const s = strategyOf(tweetStar((c) => {
    c.premake = 5;
    c.timezone = 'Europe/Berlin';
  }));
  assert.equal(s.kind === 'range' && [s.premake, s.timezone], [5, 'Europe/Berlin']);
  const o = strategyOf(tweetStar((c) => Object.assign(c.models.tweet.partition, { premake: 0, timezone: 'America/New_York' })));
  assert.equal(o.kind === 'range' && [o.premake, o.timezone], [0, 'America/New_York']);
});

ModelSuite('maintenance settings: the project\'s defaults, overrides too; no schedule unless given', () => {
  const d = validate(tweetStar());
  assert.is(d.schedule, null);
  const s = d.settings;
  assert.equal([s.archiveSchema, s.drainBatch, s.lockTries, s.lockTimeout], ['archive', 10000, 5, '300ms']);
  const o = validate(tweetStar((c) => Object.assign(c, { archiveSchema: 'old', drainBatch: 500, lockTries: 12, schedule: ' @hourly ' })));
  assert.is(o.schedule, '@hourly', 'trimmed');
  assert.equal([o.settings.archiveSchema, o.settings.drainBatch, o.settings.lockTries], ['old', 500, 12]);
});

ModelSuite.run();
