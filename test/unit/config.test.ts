// Config validation: every problem is reported with its path in the config and a message
// that names it (DESIGN F8: "a message that names the file, model and field").

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/config/errors.js';
import { buildFromFile } from '../../src/cli/build.js';
import { validate } from '../../src/model/validate.js';
import { dependent, expectIssue, issuesOf, repoRoot, tweet, tweetStar, type Obj } from './helpers.js';

const Config = suite('config');

const REFS = 'models.star.partitionForeignKey.references';

Config('the base config used below is valid', () => {
  validate(tweetStar());
});

Config('an unknown referenced model is named, with the models there are', () => {
  const issue = expectIssue(tweetStar((c) => (c.models.star.partitionForeignKey.references = 'twet')), REFS, /unknown model/);
  assert.is(issue.message, 'unknown model "twet" (models: tweet, star)');
});

Config('a cycle of partition foreign keys (a → b → a) is refused on each model in it', () => {
  const issues = issuesOf({ models: { tweet: tweet(), a: dependent('b'), b: dependent('a') } });
  assert.equal(issues.map((i) => i.path.join('.')).sort(), ['models.a.partitionForeignKey.references', 'models.b.partitionForeignKey.references']);
  const a = issues.find((i) => i.path[1] === 'a')!;
  assert.is(a.message, 'a cycle of partition foreign keys: a → b → a');
});

Config('a model referencing itself is a cycle', () => {
  expectIssue(tweetStar((c) => (c.models.star.partitionForeignKey.references = 'star')), REFS,
    /^a cycle of partition foreign keys: star → star$/);
});

for (const interval of ['2 weeks', '5 minutes']) {
  Config(`interval '${interval}' is unsupported, and the supported ones are listed`, () => {
    expectIssue(tweetStar((c) => (c.models.tweet.partition.interval = interval)), 'models.tweet.partition.interval',
      new RegExp(`^unsupported interval "${interval}" for a timestamptz column \\(supported: '1 hour', '1 day', '1 week', '1 month', '3 months', '1 year'\\)$`));
  });
}

Config('a partition column that is not a column', () => {
  expectIssue(tweetStar((c) => (c.models.tweet.partition.column = 'made_at')), 'models.tweet.partition.column',
    /^"made_at" is not a column of tweet \(columns: id, user, created_at\)$/);
});

Config('range partitioning on a jsonb column', () => {
  expectIssue(tweetStar((c) => {
    c.models.tweet.columns.payload = 'jsonb not null';
    c.models.tweet.partition.column = 'payload';
  }), 'models.tweet.partition.column', /^column "payload" is jsonb; range partitioning needs timestamptz, timestamp, date, smallint, integer or bigint$/);
});

Config('list partitioning on a timestamptz column', () => {
  expectIssue(tweetStar((c) => (c.models.tweet.partition = { by: 'list', column: 'created_at' })), 'models.tweet.partition.column',
    /^column "created_at" is timestamptz; list partitioning needs a text or integer column$/);
});

Config('hourly partitions on a date column', () => {
  expectIssue(tweetStar((c) => {
    c.models.tweet.columns.created_at = 'date not null';
    c.models.tweet.partition.interval = '1 hour';
  }), 'models.tweet.partition.interval', /hourly partitions need a timestamp or timestamptz column, not date/);
});

for (const width of [2.5, 0, '1 month']) {
  Config(`an integer range with width ${JSON.stringify(width)}`, () => {
    const issue = expectIssue(tweetStar((c) => (c.models.tweet.partition = { by: 'range', column: 'id', interval: width })),
      'models.tweet.partition.interval', /positive integer width/);
    assert.is(issue.message, `an integer column needs a positive integer width, got ${JSON.stringify(width)}`);
  });
}

// Identifiers used as record keys (model and column names): refused at the right path.
// Known gap: the message is zod's bare "Invalid key in record", not the identifier rule;
// assert the rule here once validate() passes the key's own issue through.
const bad = ['Tweet', 'a-b', 'x'.repeat(64)];
for (const name of bad) {
  const shown = name.length > 20 ? `a ${Buffer.byteLength(name)}-byte name` : `"${name}"`;
  Config(`${shown} is refused as a model name`, () => {
    expectIssue({ models: { [name]: tweet() } }, `models.${name}`, /./);
  });
  Config(`${shown} is refused as a column name`, () => {
    expectIssue(tweetStar((c) => (c.models.star.columns[name] = 'text')), `models.star.columns.${name}`, /./);
  });
}

Config('identifiers in value position name the rule: table "Tweet", a 64-byte table', () => {
  expectIssue(tweetStar((c) => (c.models.star.table = 'Tweet')), 'models.star.table',
    /^must be a lower-case identifier: a-z, 0-9 and _, not starting with a digit$/);
  expectIssue(tweetStar((c) => (c.models.star.table = 'x'.repeat(64))), 'models.star.table', /longer than 63 bytes/);
});

Config('two models with the same table', () => {
  expectIssue(tweetStar((c) => (c.models.star.table = 'tweet')), 'models.star.table',
    /^models tweet and star would both use the table name public\.tweet$/);
});

Config('a misspelt field is refused, naming the key', () => {
  expectIssue(tweetStar((c) => {
    c.models.tweet.partiton = c.models.tweet.partition;
    delete c.models.tweet.partition;
  }), 'models.tweet', /"partiton"/);
  expectIssue(tweetStar((c) => (c.models.tweet.partition.premak = 3)), 'models.tweet.partition', /"premak"/);
});

Config('a model with both partition and partitionForeignKey, or neither', () => {
  const message = /^needs exactly one of partition \(its own strategy\) or partitionForeignKey \(lockstep with another model\)$/;
  expectIssue(tweetStar((c) => (c.models.star.partition = { by: 'list', column: 'user' })), 'models.star', message);
  expectIssue(tweetStar((c) => delete c.models.star.partitionForeignKey), 'models.star', message);
});

Config('premake -1 and 5000 are refused', () => {
  expectIssue(tweetStar((c) => (c.models.tweet.partition.premake = -1)), 'models.tweet.partition.premake', />=\s*0/);
  expectIssue(tweetStar((c) => (c.models.tweet.partition.premake = 5000)), 'models.tweet.partition.premake', /<=\s*1000/);
  expectIssue(tweetStar((c) => (c.premake = 5000)), 'premake', /<=\s*1000/);
});

Config("retention keep 'soon'", () => {
  expectIssue(tweetStar((c) => (c.models.tweet.partition.retention = { keep: 'soon' })), 'models.tweet.partition.retention.keep',
    /^"soon" is not a duration such as '12 months' or '90 days'$/);
});

Config('an unknown time zone on a model', () => {
  expectIssue(tweetStar((c) => (c.models.tweet.partition.timezone = 'Mars/Olympus')), 'models.tweet.partition.timezone',
    /^unknown time zone "Mars\/Olympus"$/);
});

Config('an unknown project time zone is reported once, at `timezone`', () => {
  expectIssue(tweetStar((c) => (c.timezone = 'Mars/Olympus')), 'timezone', /^unknown time zone "Mars\/Olympus"$/);
});

Config('a column definition with a second statement is refused', () => {
  expectIssue(tweetStar((c) => (c.models.star.columns.x = 'text; drop table x')), 'models.star.columns.x',
    /^definition "text; drop table x" may not contain ";" or comments: give one column definition$/);
});

Config('a column definition that closes a quote and the table is refused', () => {
  // Known gap: refused, but for an "unterminated quote" (every quoted string is, today);
  // the message should name the ";".
  const def = "text default 'a'); drop table y; --";
  expectIssue(tweetStar((c) => (c.models.star.columns.x = def)), 'models.star.columns.x',
    new RegExp(`^definition "${def.replace(/[()]/g, '\\$&')}" `));
});

Config('comments and unbalanced parentheses in a definition are refused', () => {
  expectIssue(tweetStar((c) => (c.models.star.columns.x = 'text /* hi */')), 'models.star.columns.x', /may not contain ";" or comments/);
  expectIssue(tweetStar((c) => (c.models.star.columns.x = 'numeric(10, 2')), 'models.star.columns.x', /unbalanced parentheses/);
});

Config('an inline primary key in a column definition is refused', () => {
  expectIssue(tweetStar((c) => (c.models.star.columns.x = 'bigint primary key')), 'models.star.columns.x',
    /declares a key inline: use the model's primaryKey, unique or partitionForeignKey/);
});

Config('a dependent of a model without primaryKey is refused', () => {
  expectIssue(tweetStar((c) => delete c.models.tweet.primaryKey), REFS,
    /^model "tweet" has no primaryKey for the partition foreign key to reference$/);
});

Config('problems are collected: two problems give two issues', () => {
  const issues = issuesOf(tweetStar((c) => {
    c.models.tweet.partition.interval = '2 weeks';
    c.models.star.columns.x = 'text; drop table x';
  }));
  assert.equal(issues.map((i) => i.path.join('.')), ['models.tweet.partition.interval', 'models.star.columns.x']);
  // Schema (zod) problems are collected too.
  const shape = issuesOf(tweetStar((c: Obj) => {
    c.models.tweet.partition.premake = -1;
    c.models.star.partiton = {};
  }));
  assert.equal(shape.map((i) => i.path.join('.')), ['models.tweet.partition.premake', 'models.star']);
});

Config('the ConfigError message lists every issue as "file: path: message"', () => {
  try {
    validate(tweetStar((c) => (c.models.star.partitionForeignKey.references = 'twet')));
    assert.unreachable('expected a ConfigError');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is((err as Error).message, `config: ${REFS}: unknown model "twet" (models: tweet, star)`);
  }
});

Config('buildFromFile reports the problem prefixed with the config file name', async () => {
  try {
    await buildFromFile('test/fixtures/bad-reference.config.ts', true, repoRoot);
    assert.unreachable('expected a ConfigError');
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.is((err as ConfigError).file, 'test/fixtures/bad-reference.config.ts');
    assert.is((err as Error).message, `test/fixtures/bad-reference.config.ts: ${REFS}: unknown model "twet" (models: tweet, star)`);
  }
});

Config.run();
