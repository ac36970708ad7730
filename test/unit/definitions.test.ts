// Column definitions and names: what is accepted, what is refused and why (including the psql \! injection path).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from '../../src/build.js';
import { validate } from '../../src/model/validate.js';
import { expectIssue, tweet, tweetStar } from './helpers.js';

const Definitions = suite('definitions');

Definitions('bad model and column names say what the rule is', () => {
  for (const name of ['Tweet', 'a-b', 'x'.repeat(64)]) {
    expectIssue({ models: { [name]: tweet() } }, `models.${name}`, /lower-case identifier|longer than 63 bytes/);
    expectIssue(tweetStar((c) => (c.models.star.columns[name] = 'text')), `models.star.columns.${name}`, /lower-case identifier|longer than 63 bytes/);
  }
});

Definitions("quoted text in a definition is accepted: text default 'a;b', collate \"C\", check (x <> '')", () => {
  for (const def of ["text default 'a;b'", "text not null default 'x'", 'text collate "C"', "text check (x <> '')"]) {
    validate(tweetStar((c) => (c.models.star.columns.x = def)));
  }
});

Definitions('a definition that closes a quote and adds a statement is refused for its ";"', () => {
  expectIssue(tweetStar((c) => (c.models.star.columns.x = "text default 'a'); drop table y; --")), 'models.star.columns.x', /may not contain ";"/);
});

Definitions('a backslash outside quotes in a definition is refused (psql would run \\! as a shell command)', () => {
  for (const def of ['text \\! echo pwned', 'text\n\\! echo pwned']) {
    let sql = '';
    try { sql = build(tweetStar((c) => (c.models.star.columns.x = def))); } catch { continue; }
    assert.unreachable(`accepted; the script has: ${sql.split('\n').find((l) => l.includes('pwned'))}`);
  }
});

Definitions('making a nullable partition column NOT NULL is said in a note', () => {
  const p = validate({ models: { t: { columns: { id: 'bigint', at: 'timestamptz default now()' }, partition: { by: 'range', column: 'at', interval: 'month' } } } });
  assert.ok(p.models[0]!.notes.some((n) => /\bat\b.*not null/i.test(n)), JSON.stringify(p.models[0]!.notes));
});

Definitions.run();
