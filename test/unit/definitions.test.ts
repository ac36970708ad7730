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

// Each definition is read with PostgreSQL's parser as `CREATE TABLE t (<name> <definition>)`
// and as `ALTER TABLE t ADD COLUMN <name> <definition>`: it must be one column in both.

Definitions("'text, smuggled int' is refused: PostgreSQL reads it as two columns, and the message names them", () => {
  const issue = expectIssue(tweetStar((c) => (c.models.star.columns.x = 'text, smuggled int')), 'models.star.columns.x', /must define one column/);
  assert.match(issue.message, '2 column(s) (x, smuggled)');
});

Definitions('a table constraint after the column is refused, naming it', () => {
  const issue = expectIssue(tweetStar((c) => (c.models.star.columns.x = 'text, primary key (x)')), 'models.star.columns.x', /must define one column/);
  assert.match(issue.message, 'a table constraint (PRIMARY KEY)');
  expectIssue(tweetStar((c) => (c.models.star.columns.x = "text, check (x <> '')")), 'models.star.columns.x', /a table constraint \(CHECK\)/);
});

Definitions('a definition that closes the column list to add table clauses (INHERITS, PARTITION BY, WITH) is refused', () => {
  for (const [def, clause] of [['text) inherits (y', 'INHERITS'], ['text) partition by range (x', 'PARTITION BY'], ['text) with (fillfactor=10', 'WITH']]) {
    const issue = expectIssue(tweetStar((c) => (c.models.star.columns.x = def)), 'models.star.columns.x', /closes the column list/);
    assert.match(issue.message, clause!);
  }
});

Definitions('inline keys are found in the parse tree: primary key, unique, references, also after a quoted default', () => {
  for (const def of ['bigint primary key', "text default 'a' unique", 'bigint references tweet', 'bigint constraint k unique']) {
    expectIssue(tweetStar((c) => (c.models.star.columns.x = def)), 'models.star.columns.x', /declares a key inline/);
  }
});

Definitions('what PostgreSQL cannot read as a column is refused with its syntax error', () => {
  expectIssue(tweetStar((c) => (c.models.star.columns.x = 'text not not null')), 'models.star.columns.x', /is not a column definition PostgreSQL can read: syntax error/);
  expectIssue(tweetStar((c) => (c.models.star.columns.x = 'text null not null')), 'models.star.columns.x', /both NULL and NOT NULL/);
});

Definitions('dollar-quoted and quoted text is data: $$a;b$$, \'it\'\'s\', "-- x" are accepted', () => {
  for (const def of ['text default $$a;b$$', "text default $d$it's -- not a comment$d$", "text default 'it''s'", 'text collate "C"']) {
    validate(tweetStar((c) => (c.models.star.columns.x = def)));
  }
});

Definitions('text that is not Unicode (a lone surrogate) is refused: it has no UTF-8 form', () => {
  expectIssue(tweetStar((c) => (c.models.star.columns.x = "text default '\uD800'")), 'models.star.columns.x', /not valid Unicode/);
});

Definitions("NOT NULL, identity and generated come from the parse tree: default 'not null' is not NOT NULL", () => {
  const p = validate({ models: { t: { columns: { id: "bigint default 'generated always as identity'", k: "text default 'not null'" }, partition: { by: 'list', column: 'k' } } } });
  const [id, k] = p.models[0]!.columns;
  assert.is(id!.identity, false);
  assert.is(k!.definition, "text default 'not null' not null");
  assert.ok(p.models[0]!.notes.some((n) => /\bk: made not null/.test(n)), JSON.stringify(p.models[0]!.notes));
});

Definitions('a type in quotes keeps its words: a dependent references "my not null type" whole', () => {
  const p = validate(tweetStar((c) => (c.models.tweet.columns.id = '"my not null type"')));
  const star = p.models.find((m) => m.name === 'star')!;
  assert.is(star.columns.find((c) => c.name === 'tweet_id')!.definition, '"my not null type" not null');
});

Definitions.run();
