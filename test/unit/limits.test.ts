// Settings refused at build time that PostgreSQL would refuse (or misread) at install or
// later: lockTimeout 0 and past its int of milliseconds, historyKeep past the longest keep.
// Each message names the field and the range allowed.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../../src/model/validate.js';
import { expectIssue, tweetStar } from './helpers.js';

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
    assert.is(validate(tweetStar((c) => (c.lockTimeout = lockTimeout))).lockTimeout, lockTimeout);
  }
  expectIssue(tweetStar((c) => (c.lockTimeout = '2 min')), 'lockTimeout', /^"2 min" must look like "500ms" or "2s"$/);
  expectIssue(tweetStar((c) => (c.lockTimeout = '300\nms')), 'lockTimeout', /must look like/);
});

Limits('historyKeep past 1000 years is refused like retention keep (every run reads it as an interval)', () => {
  for (const historyKeep of ['99999999999 years', '1001 years', '99999999999999999999 hours']) {
    expectIssue(tweetStar((c) => (c.historyKeep = historyKeep)), 'historyKeep',
      new RegExp(`^"${historyKeep}" is longer than 1000 years, the longest historyKeep pgpart accepts$`));
  }
  assert.is(validate(tweetStar((c) => (c.historyKeep = '1000 years'))).models[0]!.historyKeep, '1000 years');
});

Limits.run();
