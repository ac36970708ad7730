// `pgpart plan` over a family whose tables exist unpartitioned: the install is refused with a
// pointer to `pgpart adopt`, and the plan says what adoption would do (key range, partitions
// with rows estimated from statistics, the key column each dependent gains, foreign keys,
// outside references re-pointed, views made again, disk) and what it refuses (NULL keys, a
// dependent without a foreign key to its parent, a type that differs from the config, an
// outside table that does not carry the key column, a trigger). Plan changes nothing.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, writeConfig } from '../harness/cli.js';
import { freshDatabase, type FreshDatabase } from '../harness/db.js';
import { catalog } from './catalog.js';
import { adoptConfig, PLAIN_FAMILY } from './adopt-helpers.js';
import { logged, scalar } from './helpers.js';

interface PlanJson {
  refused: string[];
  adoptions: { root: string; model: string | null; item: string; detail: string | null; refused: string | null }[];
}

const Plan = suite<{ db?: FreshDatabase }>('pgpart plan over tables to adopt', {});
Plan.before(async (ctx) => {
  ctx.db = await logged('plain family', async () => {
    const db = await freshDatabase('adopt_plan');
    await db.client.query(PLAIN_FAMILY);
    return db;
  });
});
Plan.after(async (ctx) => ctx.db?.drop());

Plan('the install is refused with `pgpart adopt`; the plan says what adoption would do, and changes nothing', async (ctx) => {
  const db = ctx.db!;
  const before = await catalog(db.client);
  const file = writeConfig(adoptConfig());
  const text = await runCli(['plan', '--config', file, '--database-url', db.url]);
  assert.is(text.code, 1, text.stderr);
  for (const model of ['tweet', 'star', 'reply']) {
    assert.match(text.stdout, `models.${model}: table public.${model} exists and is not partitioned: adopt it online, with its family's tables, by \`pgpart adopt tweet\``);
  }
  assert.match(text.stdout, 'adoption of tweet (`pgpart adopt tweet`');
  assert.match(text.stdout, 'key range: created_at from 2025-01-01T01:00:00+00:00 to 2025-03-25T08:00:00+00:00');
  assert.match(text.stdout, 'partitions: 3 partition(s) per model, tweet_2025_01 … tweet_2025_03');
  assert.match(text.stdout, 'add column (star): public.star gains tweet_created_at timestamp with time zone, filled from tweet.created_at through (tweet_id)');
  assert.match(text.stdout, 'add column (reply): public.reply gains tweet_created_at');
  assert.match(text.stdout, 'foreign key (star): public.star star_tweet_id_fkey (tweet_id) → public.tweet (id)');
  assert.match(text.stdout, 'public.mention mention_tweet_id_fkey (tweet_id) → public.tweet (id): re-pointed to the new public.tweet as (tweet_id, tweet_created_at) → (id, created_at)');
  assert.match(text.stdout, 'view: view public.recent reads public.tweet: made again over the new table at the swap');
  assert.match(text.stdout, /disk: about \d+ kB more while adopting/);
  assert.not.match(text.stdout, 'refused (adoption would not start)');

  const json = await runCli(['plan', '--config', file, '--database-url', db.url, '--json']);
  const report = JSON.parse(json.stdout) as PlanJson;
  const parts = report.adoptions.filter((a) => a.item === 'partition');
  assert.equal(parts.map((p) => p.detail!.split(' ')[0]), ['tweet_2025_01', 'tweet_2025_02', 'tweet_2025_03']);
  // Rows per partition from the key's histogram: about 744, 672 and 584 of 2000 rows.
  const estimates = parts.map((p) => Number(/~([\d,]+) rows/.exec(p.detail!)![1]!.replace(/,/g, '')));
  assert.ok(Math.abs(estimates.reduce((a, b) => a + b, 0) - 2000) <= 100, `${estimates}`);
  assert.ok(estimates[0]! > estimates[2]!, `${estimates}`);
  assert.equal(report.adoptions.filter((a) => a.refused !== null), []);

  assert.equal(await catalog(db.client), before);
  assert.is(await scalar(db.client, `SELECT to_regnamespace('parting') IS NULL`), true);
});

Plan('adoption refuses a dependent with onDelete \'set null\', naming the way round', async (ctx) => {
  const db = ctx.db!;
  const config = adoptConfig();
  (config.models.star as { partitionForeignKey: { onDelete?: string } }).partitionForeignKey.onDelete = 'set null';
  const json = await runCli(['plan', '--config', writeConfig(config), '--database-url', db.url, '--json']);
  const refused = (JSON.parse(json.stdout) as PlanJson).adoptions.flatMap((a) => (a.refused === null ? [] : [a.refused]));
  assert.equal(refused, [
    'models.star.partitionForeignKey.onDelete: \'set null\' cannot be adopted online: a tweet row deleted during the copy would leave star rows '
    + 'with no key to be partitioned by. Adopt with onDelete \'no action\' (or \'restrict\', \'cascade\'), then set \'set null\' '
    + 'and install: the install re-makes the foreign keys NOT VALID and validates them',
  ]);
});

Plan('adoption refuses NULL keys, a dependent without a foreign key, a type unlike the config, an outside table without the key, a trigger', async (ctx) => {
  const db = ctx.db!;
  await db.client.query('BEGIN');
  try {
    await db.client.query(`
      ALTER TABLE tweet ALTER COLUMN created_at DROP NOT NULL;
      INSERT INTO tweet (body, created_at) VALUES ('no key', NULL);
      ALTER TABLE reply DROP CONSTRAINT reply_tweet_id_fkey;
      ALTER TABLE star ALTER COLUMN who TYPE varchar(20);
      CREATE TABLE bookmark (id bigint PRIMARY KEY, tweet_id bigint REFERENCES tweet (id));
      CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
      CREATE TRIGGER touch BEFORE UPDATE ON star FOR EACH ROW EXECUTE FUNCTION touch();`);
    await db.client.query('COMMIT');
  } catch (err) {
    await db.client.query('ROLLBACK');
    throw err;
  }
  const file = writeConfig(adoptConfig());
  const json = await runCli(['plan', '--config', file, '--database-url', db.url, '--json']);
  const refused = (JSON.parse(json.stdout) as PlanJson).adoptions.flatMap((a) => (a.refused === null ? [] : [a.refused]));
  const expect = [
    'models.tweet: public.tweet has 1 row(s) with created_at NULL: no partition could hold them',
    'models.reply.partitionForeignKey: public.reply has no foreign key (tweet_id) REFERENCES public.tweet (id)',
    'models.star.columns.who: public.star.who is character varying(20), the config says text',
    'public.bookmark references public.tweet (id) by bookmark_tweet_id_fkey: once public.tweet is partitioned, its unique keys include created_at',
    'models.star: public.star has trigger touch: adoption does not carry triggers over',
  ];
  for (const e of expect) assert.ok(refused.some((r) => r.startsWith(e)), `${e}\nin:\n${refused.join('\n')}`);
  assert.is(refused.length, expect.length, refused.join('\n'));
  const text = await runCli(['plan', '--config', file, '--database-url', db.url]);
  assert.is(text.code, 1);
  assert.match(text.stdout, `refused (adoption would not start): ${expect.length}`);
});

Plan.run();
