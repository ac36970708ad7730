// What the CLI prints of database-supplied text (names, list keys, errors, NOTICEs) cannot
// drive the terminal: every control character is shown as an escape, printable text is kept
// as it is, and JSON output needs nothing (JSON.stringify escapes controls itself).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { printable, printableDeep, printableLines } from '../../src/cli/printable.js';
import { explain, isLostConnection } from '../../src/cli/errors.js';

const Printable = suite('printable: database text on a terminal');

Printable('terminal escapes, C0/C1 controls, DEL and bidi overrides are shown as escapes', () => {
  assert.is(printable('tweet_\x1b]0;owned\x07x'), 'tweet_\\x1b]0;owned\\x07x');
  assert.is(printable('a\x1b[2J\x1b[Hb'), 'a\\x1b[2J\\x1b[Hb');
  assert.is(printable('line\nforged\rover\ttab'), 'line\\nforged\\rover\\ttab');
  assert.is(printable('\x00\x7f\x9b'), '\\x00\\x7f\\x9b');
  assert.is(printable('evil\u202etxt.exe'), 'evil\\u202etxt.exe');
  assert.is(printable('zero\u200bwidth'), 'zero\\u200bwidth');
});

Printable('printable text is kept as it is, UTF-8 and quotes included', () => {
  for (const s of ['tweet_2026_03', 'Ümlaut key', 'x"; drop table tweet; --', '日本語', 'a\\nb (a backslash and an n)']) {
    assert.is(printable(s), s);
  }
});

Printable('printableLines keeps line breaks and escapes the rest; printableDeep reaches every string of a result', () => {
  assert.is(printableLines('message\ndetail: \x1b[31mred'), 'message\ndetail: \\x1b[31mred');
  const at = new Date(0);
  assert.equal(printableDeep({ rows: [{ key: '\x1b[1mk', n: 1, at, none: null }], ['\x1b']: 'v' }),
    { rows: [{ key: '\\x1b[1mk', n: 1, at, none: null }], ['\\x1b']: 'v' });
});

Printable('a database error is printed escaped; a lost connection is a database error (exit 2), not the user\'s', () => {
  const e = Object.assign(new Error('relation "t\x1b[8m" does not exist'), { code: '42P01', hint: 'look\x07' });
  assert.equal(explain(e), { kind: 'database', text: 'database error: relation "t\\x1b[8m" does not exist\nhint: look\\x07' });
  for (const lost of [new Error('Connection terminated unexpectedly'), Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    new Error('Client has encountered a connection error and is not queryable')]) {
    assert.ok(isLostConnection(lost), lost.message);
    assert.is(explain(lost).kind, 'database', lost.message);
  }
  assert.not.ok(isLostConnection(new Error('something else')));
  assert.is(explain(new Error('something else')).kind, 'user');
});

Printable.run();
