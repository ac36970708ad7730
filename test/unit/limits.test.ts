// Settings refused at build time that PostgreSQL would refuse (or misread) at install or
// later: lockTimeout 0 and past its int of milliseconds, historyKeep past the longest keep,
// list keys the runtime refuses (empty, spaces only, out of the key column's range).
// Each message names the field and what is allowed.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../../src/model/validate.js';
import { expectIssue, tweet, tweetStar } from './helpers.js';

const Limits = suite('limits');

Limits("lockTimeout '0ms' and '0s' are refused: PostgreSQL reads 0 as wait forever", () => {
  for (const lockTimeout of ['0ms', '0s', '000ms']) {
    const issue = expectIssue(tweetStar((c) => (c.lockTimeout = lockTimeout)), 'lockTimeout', /wait forever/);
    assert.match(issue.message, `"${lockTimeout}" is no limit at all`);
    assert.match(issue.message, 'give 1ms to 2147483647ms');
  }
});

Limits('lockTimeout past 2147483647 ms (lock_timeout is an int of milliseconds) is refused, naming the range', () => {
  for (const lockTimeout of ['99999999999s', '2147484s', '2147483648ms', '99999999999999999999999ms']) {
    const issue = expectIssue(tweetStar((c) => (c.lockTimeout = lockTimeout)), 'lockTimeout', /more than PostgreSQL's lock_timeout can hold/);
    assert.match(issue.message, `"${lockTimeout}"`);
    assert.match(issue.message, 'give 1ms to 2147483647ms');
  }
});

Limits('lockTimeout at the edges of the range is accepted as written', () => {
  for (const lockTimeout of ['1ms', '2147483647ms', '2147483s', '300 ms']) {
    assert.is(validate(tweetStar((c) => (c.lockTimeout = lockTimeout))).settings.lockTimeout, lockTimeout);
  }
  expectIssue(tweetStar((c) => (c.lockTimeout = '2 min')), 'lockTimeout', /^"2 min" must look like "500ms" or "2s"$/);
  expectIssue(tweetStar((c) => (c.lockTimeout = '300\nms')), 'lockTimeout', /must look like/);
});

Limits('historyKeep past 1000 years is refused like retention keep (every run reads it as an interval)', () => {
  for (const historyKeep of ['99999999999 years', '1001 years', '99999999999999999999 hours']) {
    expectIssue(tweetStar((c) => (c.historyKeep = historyKeep)), 'historyKeep',
      new RegExp(`^"${historyKeep}" is longer than 1000 years, the longest historyKeep pgpart accepts$`));
  }
  assert.is(validate(tweetStar((c) => (c.historyKeep = '1000 years'))).settings.historyKeep, '1000 years');
});

/** A list model on column k of `type`, with `initial` keys. */
const listOf = (type: string, initial: unknown[]) => ({ models: { t: { ...tweet(), columns: { ...tweet().columns, k: `${type} not null` }, partition: { by: 'list', column: 'k', initial } } } });
const INITIAL = 'models.t.partition.initial';

Limits("list keys '' and ' ' are refused at build, as the runtime refuses them ('the key is empty')", () => {
  for (const key of ['', ' ', '    ']) {
    const issue = expectIssue(listOf('text', ['ok', key]), INITIAL, /is empty \(or only spaces\)/);
    assert.ok(issue.message.startsWith(`key ${JSON.stringify(key)} `), issue.message);
  }
  // The runtime trims spaces only: a tab is a key (its partition is named by the hex of its bytes).
  validate(listOf('text', ['\t', ' a ']));
});

Limits('list keys PostgreSQL text cannot hold (NUL, a lone surrogate) are refused, the key shown escaped', () => {
  expectIssue(listOf('text', ['a\u0000b']), INITIAL, /^key "a\\u0000b" contains a NUL character/);
  expectIssue(listOf('text', ['\ud800']), INITIAL, /not valid Unicode/);
});

Limits("integer list keys out of the key column's range are refused, naming the type and its range", () => {
  expectIssue(listOf('smallint', [32768]), INITIAL, /^key "32768" is out of range for the key column's type, smallint \(-32768 to 32767\)$/);
  expectIssue(listOf('integer', ['-2147483649']), INITIAL, /integer \(-2147483648 to 2147483647\)/);
  expectIssue(listOf('bigint', ['99999999999999999999']), INITIAL, /bigint \(-9223372036854775808 to 9223372036854775807\)/);
  validate(listOf('smallint', [32767, '-32768']));
  validate(listOf('bigint', ['9223372036854775807']));
});

Limits('an integer list key JavaScript cannot hold exactly is refused: write it as a string', () => {
  expectIssue(listOf('bigint', [2 ** 53 + 2]), INITIAL, /write it as a string, e\.g\. '9007199254740994'/);
});

Limits("a dependent's derived key column past 63 bytes is refused, naming the model, the name and its length; keyColumn fixes it", () => {
  const long = 'm'.repeat(40);
  const config = (keyColumn?: string) => ({
    models: {
      [long]: { ...tweet(), columns: { ...tweet().columns, created_at_of_the_event: 'timestamptz not null' }, partition: { by: 'range', column: 'created_at_of_the_event', interval: '1 month' } },
      star: { columns: { id: 'bigint' }, primaryKey: ['id'], partitionForeignKey: { column: 'tweet_id', references: long, ...(keyColumn ? { keyColumn } : {}) } },
    },
  });
  const derived = `${long}_created_at_of_the_event`;
  const issue = expectIssue(config(), 'models.star.partitionForeignKey.keyColumn', /cuts names past 63 bytes short/);
  assert.match(issue.message, `${derived} (<references>_<its partition column>) is ${derived.length} bytes long`);
  assert.match(issue.message, 'set partitionForeignKey.keyColumn to a name of at most 63 bytes');
  const star = validate(config('event_at')).models.find((m) => m.name === 'star')!;
  assert.is(star.link!.keyColumn, 'event_at');
});

// install.sql makes every family's initial partitions in one transaction, each table and
// index locked until it commits. Measured on PostgreSQL 15 with the default lock table
// (max_locks_per_transaction 64 × max_connections 100), tweet + star installs premake 748
// and fails at 749 with "out of shared memory"; the build refuses from 500 on.
Limits('premake 1000 for a family of two (tweet, star) is refused at build, naming the family, the limit and initial: false', () => {
  const issue = expectIssue(tweetStar((c) => (c.models.tweet.partition.premake = 1000)), 'models.tweet.partition.premake', /out of shared memory/);
  assert.match(issue.message, "install.sql would make 1001 partition(s) of tweet's family (tweet, star) in its one transaction");
  assert.match(issue.message, 'max_locks_per_transaction 64 × max_connections 100');
  assert.match(issue.message, 'premake at most 544 for this family, or initial: false');
  validate(tweetStar((c) => (c.models.tweet.partition.premake = 544)));
  // Without initial partitions, run_maintenance makes them, one transaction each.
  validate(tweetStar((c) => Object.assign(c.models.tweet.partition, { premake: 1000, initial: false })));
  // One model alone locks less per partition: 1000 ahead fits.
  validate({ models: { tweet: { ...tweet(), partition: { ...tweet().partition, premake: 1000 } } } });
});

Limits("families add up: two families of premake 300 are refused at the larger one's premake", () => {
  const two = tweetStar((c) => {
    c.models.tweet.partition.premake = 300;
    c.models.other = { ...tweet(), partition: { ...tweet().partition, premake: 400 } };
    c.models.other_star = { ...c.models.star, partitionForeignKey: { column: 'other_id', references: 'other' } };
  });
  const issue = expectIssue(two, 'models.other.partition.premake', /with the other families' initial partitions/);
  assert.match(issue.message, 'premake at most 243 for this family');
});

Limits('a list model with more initial keys than one install can lock is refused at partition.initial', () => {
  const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
  expectIssue(listOf('text', keys), INITIAL, /list at most 1200 keys here, and make the others with parting\.ensure_partition/);
});

Limits.run();
