// The partition foreign key holds in the DEFAULT partitions too: star_default's foreign key
// carries the key column, so a star whose tweet_created_at is not its tweet's is refused
// there as everywhere. A dependent row never wedges a drain: a star left without its tweet
// by ON DELETE SET NULL moves with its month, and a stray only an older database could hold
// (its tweet in another partition) goes to parting.stray_star, logged as 'quarantined',
// while the month is made and the other rows move.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { serverVersionNum, type FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, logged, month, monthlyTweetStar, pgError, rows, scalar } from './helpers.js';

function withDefault(onDelete?: 'set null'): ConfigInput {
  const c = monthlyTweetStar({ premake: 1, initial: true, default: true });
  if (onDelete) (c.models.star!.partitionForeignKey as { onDelete?: string }).onDelete = onDelete;
  return c;
}

const AHEAD = month(4); // no partition yet: its rows go to the default partitions

const Keys = suite<{ db?: FreshDatabase }>('default partitions: the lockstep foreign key carries the key', {});
Keys.before(async (ctx) => { ctx.db = await logged('install', () => installed('default_keys', withDefault())); });
Keys.after(async (ctx) => ctx.db?.drop());

Keys('a star in star_default must carry its tweet\'s created_at; a wrong one is refused by the foreign key', async (ctx) => {
  const c = ctx.db!.client;
  const id = await scalar<string>(c, `INSERT INTO tweet ("user", created_at) VALUES ('t', $1) RETURNING id`, [AHEAD.at(10)]);
  const e = await pgError(c, `INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('s', $1, $2)`, [id, AHEAD.at(11)]);
  assert.is(e.code, '23503');
  assert.match(e.message, 'star_default_tweet_id_fkey');
  await c.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('s', $1, $2)`, [id, AHEAD.at(10)]);
  assert.equal(await column(c, `SELECT tableoid::regclass::text FROM star`), ['star_default']);
});

Keys.run();

const SetNull = suite<{ db?: FreshDatabase }>('default partitions: ON DELETE SET NULL leaves no wedge', {});
SetNull.before(async (ctx) => { ctx.db = await logged('install', () => installed('default_setnull', withDefault('set null'))); });
SetNull.after(async (ctx) => ctx.db?.drop());

SetNull('a star whose tweet was deleted keeps its month and moves into it when the month is made', async (ctx) => {
  const c = ctx.db!.client;
  const ids = await column<string>(c, `INSERT INTO tweet ("user", created_at) VALUES ('a', $1), ('b', $1) RETURNING id`, [AHEAD.at(10)]);
  await c.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 's' || n, id::bigint, $2 FROM unnest($1::text[]) WITH ORDINALITY AS u(id, n)`,
    [ids, AHEAD.at(10)]);
  await c.query(`DELETE FROM tweet WHERE id = $1`, [ids[0]]);
  const orphan = await rows(c, `SELECT tweet_id, tableoid::regclass::text AS t FROM star WHERE "user" = 's1'`);
  // 15+: SET NULL (tweet_id) keeps the key; 14 cannot name the columns, and its default FK has no key column.
  assert.equal(orphan, [{ tweet_id: null, t: 'star_default' }]);
  assert.equal(await column(c, `SELECT p::text FROM parting.ensure_partition('tweet', $1) p`, [AHEAD.key]),
    [`tweet_${AHEAD.suffix}`, `star_${AHEAD.suffix}`]);
  assert.equal(await rows(c, `SELECT "user", tweet_id IS NULL AS orphan, tableoid::regclass::text AS t FROM star ORDER BY "user"`), [
    { user: 's1', orphan: true, t: `star_${AHEAD.suffix}` },
    { user: 's2', orphan: false, t: `star_${AHEAD.suffix}` },
  ]);
  assert.is(Number(await scalar(c, `SELECT count(*) FROM star_default`)), 0);
  if (serverVersionNum() >= 150000) {
    assert.match(String(await scalar(c, `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'star_default_tweet_id_fkey'`)),
      /^FOREIGN KEY \(tweet_id, tweet_created_at\) REFERENCES tweet_default\(id, created_at\) ON UPDATE CASCADE ON DELETE SET NULL \(tweet_id\)$/);
  }
});

SetNull.run();

const Stray = suite<{ db?: FreshDatabase }>('default partitions: a stray row is quarantined, the month made', {});
Stray.before(async (ctx) => { ctx.db = await logged('install', () => installed('default_stray', withDefault())); });
Stray.after(async (ctx) => ctx.db?.drop());

Stray('a star in star_default whose tweet is elsewhere (as an older pgpart allowed) goes to parting.stray_star; run_maintenance makes the month', async (ctx) => {
  const c = ctx.db!.client;
  // Recreate what an older install's key-less default foreign key let in: a star of month
  // +4 in star_default whose tweet lives in this month's partition.
  const here = await scalar<string>(c, `INSERT INTO tweet ("user", created_at) VALUES ('here', $1) RETURNING id`, [month(0).at(3)]);
  const ahead = await scalar<string>(c, `INSERT INTO tweet ("user", created_at) VALUES ('ahead', $1) RETURNING id`, [AHEAD.at(10)]);
  await c.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('fine', $1, $2)`, [ahead, AHEAD.at(10)]);
  await c.query(`ALTER TABLE star_default DROP CONSTRAINT star_default_tweet_id_fkey`);
  await c.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('stray', $1, $2)`, [here, AHEAD.at(12)]);
  await c.query(`ALTER TABLE star_default ADD CONSTRAINT star_default_tweet_id_fkey FOREIGN KEY (tweet_id) REFERENCES tweet_default (id) NOT VALID`);

  await c.query(`UPDATE parting.config SET premake = 4 WHERE model = 'tweet'`);
  await c.query('CALL parting.run_maintenance()');
  assert.equal(await column(c, `SELECT action FROM parting.history WHERE action IN ('failed', 'skipped')`), []);
  assert.ok(await scalar(c, `SELECT to_regclass($1) IS NOT NULL`, [`star_${AHEAD.suffix}`]), 'the month was made');
  assert.equal(await rows(c, `SELECT "user", tableoid::regclass::text AS t FROM star ORDER BY "user"`), [{ user: 'fine', t: `star_${AHEAD.suffix}` }]);
  const strays = await rows<{ user: string; tweet_id: string; reason: string }>(c, `SELECT "user", tweet_id::text AS tweet_id, reason FROM parting.stray_star`);
  assert.equal(strays.map((s) => [s.user, s.tweet_id]), [['stray', here]]);
  assert.match(strays[0]!.reason, new RegExp(`^in public\\.star_default with key ${AHEAD.key}-01 00:00:00(\\.0+)?\\+00, its parent row not in public\\.tweet_default$`), strays[0]!.reason);
  const logged = await rows<{ detail: { rows: number; into: string } }>(c, `SELECT detail FROM parting.history WHERE action = 'quarantined'`);
  assert.equal(logged.map((l) => [l.detail.rows, l.detail.into]), [[1, 'parting.stray_star']]);
});

Stray.run();
