// Attacks on the adoption's change log: writes whose log entries do not say that a row's
// key moved from the shadow family's point of view, so the replay leaves a dependent with
// its old key. Each drives its interleaving deterministically: a replay batch of one key
// (adopt_copy's p_batch) decides which logged row the replay reads first; a statement
// that deletes a parent and writes it back under another key is one transaction.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { adoptConfig, chainConfig, chainTables, content, copyAll, onAdoptDatabase, PLAIN_FAMILY } from './adopt-helpers.js';
import { pgError, rows, scalar } from './helpers.js';

const Attack = suite('pgpart adopt: change log attacks');

Attack('three levels: a middle row replayed (its own write) after its root moved but before the root is: the grandchildren get the moved key', async () => {
  await onAdoptDatabase('adopt_attack_chain', chainConfig(), chainTables(5, 5, 10), async (c, { desired }) => {
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'a')`, [desired]);
    // One row per call: a and b copied, c's first rows too (c 1 among them).
    while (Number((await rows<{ member: string; copied: string }>(c, `SELECT * FROM parting.adopt_copy('a', 1)`)).find((r) => r.member === 'c')!.copied) < 3);
    const b1 = Number(await scalar(c, `SELECT b_id FROM c WHERE id = 1`));
    const a1 = Number(await scalar(c, `SELECT a_id FROM b WHERE id = $1`, [b1]));
    const other = Number(await scalar(c, `SELECT min(id) FROM a WHERE id <> $1`, [a1]));
    // a's log: another row first (no move), then c 1's grandparent moved; b's log: c 1's parent.
    await c.query(`UPDATE a SET created_at = created_at WHERE id = $1`, [other]);
    await c.query(`UPDATE b SET v = v || '+' WHERE id = $1`, [b1]);
    await c.query(`UPDATE a SET created_at = created_at + interval '1 month' WHERE id = $1`, [a1]);
    // The next call replays a's first key (the other row), then b's: b1 read as it is now,
    // its key already the moved one; the call after replays a1, whose moved write finds no
    // row of b with a key other than its own. c 1, copied with the old key, is left so.
    await c.query(`SELECT * FROM parting.adopt_copy('a', 1)`);
    await c.query(`SELECT * FROM parting.adopt_copy('a', 1)`);
    while ((await scalar(c, `SELECT phase FROM parting.adoption WHERE model = 'a'`)) === 'copying') await c.query(`SELECT * FROM parting.adopt_copy('a', 1000)`);
    await c.query(`SELECT * FROM parting.adopt_copy('a', 1000)`);
    assert.equal(await rows(c, `SELECT n.id::int FROM pgpart_adopt_a.b n JOIN a ON a.id = n.a_id WHERE n.a_created_at IS DISTINCT FROM a.created_at`), []);
    assert.equal(await rows(c, `SELECT n.id::int, n.b_a_created_at::text AS shadow, a.created_at::text AS old
                                  FROM pgpart_adopt_a.c n JOIN b ON b.id = n.b_id JOIN a ON a.id = b.a_id
                                 WHERE n.b_a_created_at IS DISTINCT FROM a.created_at`), []);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('a')`);
    assert.ok(verified.length > 0 && verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
  });
});

Attack('a parent deleted and written back under another key in one statement (its stars never written): the stars get the new key', async () => {
  await onAdoptDatabase('adopt_attack_reinsert', adoptConfig(), PLAIN_FAMILY, async (c, { desired }) => {
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [desired]);
    await copyAll(c, 1000);
    // The foreign key (NO ACTION) is checked at the statement's end, when tweet 500 is back:
    // its stars and replies are not written, so not logged; tweet 500's log entries are a
    // delete and an insert, neither a move.
    await c.query(`WITH d AS (DELETE FROM tweet WHERE id = 500 RETURNING *)
                   INSERT INTO tweet (id, body, created_at) SELECT id, body, created_at + interval '1 month' FROM d`);
    assert.ok(Number(await scalar(c, `SELECT count(*) FROM star WHERE tweet_id = 500`)) > 0);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1000)`);
    assert.equal(await rows(c, `SELECT n.id::int, n.tweet_created_at::text AS shadow, t.created_at::text AS old
                                  FROM pgpart_adopt_tweet.star n JOIN tweet t ON t.id = n.tweet_id
                                 WHERE n.tweet_created_at IS DISTINCT FROM t.created_at`), []);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.length > 0 && verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
    const before = await content(c);
    assert.is(await scalar(c, `SELECT parting.adopt_swap('tweet')`), 'swapped');
    while ((await scalar(c, `SELECT parting.adopt_validate('tweet')`)) !== null);
    assert.equal(await content(c), before);
  });
});

Attack('primary keys updated under an open copy batch (ON UPDATE CASCADE dependents), a key moved and moved back, a row written below the last key copied: the swap carries the old tables\' content', async () => {
  const config: ConfigInput = {
    timezone: 'UTC',
    models: {
      tweet: { columns: { id: 'bigint generated by default as identity', body: 'text', created_at: 'timestamptz not null' }, primaryKey: ['id'],
               partition: { by: 'range', column: 'created_at', interval: '1 month', premake: 1, initial: false } },
      reply: { columns: { id: 'bigint generated by default as identity', body: 'text' }, primaryKey: ['id'],
               partitionForeignKey: { column: 'tweet_id', references: 'tweet', onDelete: 'cascade' } },
    },
  };
  await onAdoptDatabase('adopt_attack_pk', config, `
      CREATE TABLE tweet (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, body text, created_at timestamptz NOT NULL);
      CREATE TABLE reply (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, body text,
                          tweet_id bigint NOT NULL REFERENCES tweet (id) ON UPDATE CASCADE ON DELETE CASCADE);
      INSERT INTO tweet (body, created_at) SELECT 't' || g, timestamptz '2025-01-01 00:00+00' + g * interval '1 hour' FROM generate_series(1, 1000) g;
      INSERT INTO reply (body, tweet_id) SELECT 'r' || g, 1 + g % 1000 FROM generate_series(1, 3000) g;
      ANALYZE tweet, reply;`, async (c, { desired, open }) => {
    const copier = await open();
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [desired]);
    const snapshot = async () => ({
      tweet: await rows(c, `SELECT id::int, body, created_at::text FROM tweet ORDER BY id`),
      reply: await rows(c, `SELECT id::int, body, tweet_id::int FROM reply ORDER BY id`),
    });
    // Half of tweet copied; its next batch open while keys move on both sides of it.
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`);
    await copier.query('BEGIN');
    await copier.query(`SELECT * FROM parting.adopt_copy('tweet', 300)`);
    await c.query(`UPDATE tweet SET id = id + 100000, created_at = created_at + interval '1 month' WHERE id = 10`); // copied, to beyond
    await c.query(`UPDATE tweet SET id = 5000 WHERE id = 600`); // in the open batch, to beyond it
    await c.query(`UPDATE tweet SET id = 200000, created_at = created_at + interval '2 months' WHERE id = 950`); // not copied yet
    await c.query(`UPDATE tweet SET created_at = created_at + interval '1 month' WHERE id = 700`);
    await c.query(`UPDATE tweet SET created_at = created_at - interval '1 month' WHERE id = 700`); // moved and back
    await c.query(`DELETE FROM tweet WHERE id = 11`);
    await c.query(`INSERT INTO tweet (id, body, created_at) VALUES (11, 'again', '2025-04-01'), (12000, 'far', '2025-02-01')`);
    await c.query(`INSERT INTO reply (body, tweet_id) VALUES ('to 11', 11), ('to far', 12000)`);
    await copier.query('COMMIT');
    // Now reply's copy, with a batch open while its parents' keys change.
    while (!(await rows<{ member: string; done: boolean }>(c, `SELECT * FROM parting.adopt_copy('tweet', 1000)`)).find((r) => r.member === 'tweet')!.done);
    await copier.query('BEGIN');
    await copier.query(`SELECT * FROM parting.adopt_copy('tweet', 1000)`);
    await c.query(`UPDATE tweet SET id = 300000, created_at = created_at + interval '3 months' WHERE id = (SELECT tweet_id FROM reply WHERE id = 5)`);
    await c.query(`UPDATE tweet SET id = 0, created_at = created_at + interval '1 month' WHERE id = 100010`); // back below, moved again
    await c.query(`UPDATE reply SET tweet_id = 0 WHERE id = 2500`);
    await copier.query('COMMIT');
    while ((await scalar(c, `SELECT phase FROM parting.adoption WHERE model = 'tweet'`)) === 'copying') await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1000)`);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1000)`);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.length > 0 && verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
    const before = await snapshot();
    assert.is(await scalar(c, `SELECT parting.adopt_swap('tweet')`), 'swapped');
    while ((await scalar(c, `SELECT parting.adopt_validate('tweet')`)) !== null);
    assert.equal(await snapshot(), before);
    assert.equal(await rows(c, `SELECT r.id::int FROM reply r JOIN tweet t ON t.id = r.tweet_id WHERE r.tweet_created_at IS DISTINCT FROM t.created_at`), []);
  });
});

Attack('the old tables truncated (identity restarted) between copy batches, then written again below the last key copied: the swap carries what they hold', async () => {
  await onAdoptDatabase('adopt_attack_truncate', adoptConfig(), PLAIN_FAMILY, async (c, { desired }) => {
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [desired]);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 700)`);
    await c.query(`TRUNCATE tweet, star, reply, mention RESTART IDENTITY`);
    await c.query(`INSERT INTO tweet (body, created_at) SELECT 'n' || g, timestamptz '2025-03-01 00:00+00' + g * interval '1 hour' FROM generate_series(1, 900) g;
                   INSERT INTO star (who, tweet_id) SELECT 'n' || g, 1 + g % 900 FROM generate_series(1, 500) g;
                   INSERT INTO reply (body, tweet_id) SELECT 'n' || g, 1 + g % 900 FROM generate_series(1, 500) g;`);
    await copyAll(c, 700);
    await c.query(`TRUNCATE reply`);
    await c.query(`INSERT INTO reply (body, tweet_id) VALUES ('last', 3)`);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 700)`);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.length > 0 && verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
    const before = await content(c);
    assert.is(await scalar(c, `SELECT parting.adopt_swap('tweet')`), 'swapped');
    while ((await scalar(c, `SELECT parting.adopt_validate('tweet')`)) !== null);
    assert.equal(await content(c), before);
  });
});

Attack('a dependent\'s foreign key column that allows NULL (none at the start) is refused, naming the column and NOT NULL, and nothing is made: a row written with it NULL during the copy would be lost at the swap', async () => {
  await onAdoptDatabase('adopt_attack_null_fk', adoptConfig(), [PLAIN_FAMILY, `ALTER TABLE star ALTER COLUMN tweet_id DROP NOT NULL`].join(';\n'), async (c, { desired }) => {
    const refused = await pgError(c, `SELECT parting.adopt_start($1::jsonb, 'tweet')`, [desired]);
    assert.is(refused.code, 'PGP01');
    assert.match(refused.detail ?? '', 'star');
    assert.match(refused.detail ?? '', 'tweet_id');
    assert.match(refused.detail ?? '', 'NOT NULL');
    assert.is(await scalar(c, `SELECT count(*)::int FROM parting.adoption`), 0);
    assert.is(await scalar(c, `SELECT to_regnamespace('pgpart_adopt_tweet') IS NULL`), true);
  });
});

Attack('writes applied as a logical replication subscriber applies them (session_replication_role = replica) are captured too', async () => {
  await onAdoptDatabase('adopt_attack_replica', adoptConfig(), PLAIN_FAMILY, async (c, { desired }) => {
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [desired]);
    await copyAll(c, 1000);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.every((r) => r.same));
    // An apply worker's session: ordinary triggers do not fire in it.
    await c.query(`SET session_replication_role = replica`);
    await c.query(`INSERT INTO tweet (id, body, created_at) VALUES (90001, 'replicated', '2025-02-03')`);
    await c.query(`UPDATE tweet SET body = 'replicated too' WHERE id = 5`);
    await c.query(`DELETE FROM reply WHERE id = 9`);
    await c.query(`RESET session_replication_role`);
    const before = await content(c);
    assert.is(await scalar(c, `SELECT parting.adopt_swap('tweet')`), 'swapped');
    assert.equal(await content(c), before);
  });
});

Attack('two rows swapping a unique value in one transaction, their log entries in two replay batches: the replay does not fail on the unique constraint', async () => {
  const config = adoptConfig();
  config.models.tweet!.unique = [['body']];
  await onAdoptDatabase('adopt_attack_unique', config, [PLAIN_FAMILY, `ALTER TABLE tweet ADD UNIQUE (body, created_at)`].join(';\n'), async (c, { desired }) => {
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [desired]);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1000)`);
    // Two copied tweets at one instant (the new tables' unique key includes the partition key).
    await c.query(`UPDATE tweet SET created_at = '2025-01-05 00:00+00' WHERE id IN (10, 20)`);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1000)`);
    await c.query(`BEGIN;
                   UPDATE tweet SET body = 'swap' WHERE id = 10;
                   UPDATE tweet SET body = 't10' WHERE id = 20;
                   UPDATE tweet SET body = 't20' WHERE id = 10;
                   COMMIT`);
    // The replay reads one logged key per member and call: tweet 10 first, put back with
    // 't20' while the shadow's tweet 20 (its entry not read yet) still holds 't20'. The same
    // entries come first in every call, so the adoption never gets past them; with the
    // default batch, so does any pair an entry boundary splits (verify's and the swap's
    // replays included).
    for (let i = 0; i < 4; i++) await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1)`);
    await copyAll(c, 1000);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1000)`);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
  });
});

Attack('a unique value handed from a copied row to one the copy reaches next, the copied row\'s entry not replayed yet: the copy does not fail on the unique constraint', async () => {
  const config = adoptConfig();
  config.models.tweet!.unique = [['body']];
  await onAdoptDatabase('adopt_attack_unique_copy', config, [PLAIN_FAMILY, `ALTER TABLE tweet ADD UNIQUE (body, created_at)`, `UPDATE tweet SET created_at = '2025-01-05 00:00+00' WHERE id IN (10, 11)`].join(';\n'), async (c, { desired }) => {
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [desired]);
    for (let i = 0; i < 10; i++) await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1)`); // tweets 1-10 copied
    // A write logged first, then tweet 10 gives its body up to tweet 11 (not copied yet).
    await c.query(`UPDATE tweet SET body = body || '+' WHERE id = 1`);
    await c.query(`BEGIN;
                   UPDATE tweet SET body = 'gone' WHERE id = 10;
                   UPDATE tweet SET body = 't10' WHERE id = 11;
                   COMMIT`);
    // The next call replays tweet 1's entry only, then copies tweet 11 with 't10', which the
    // shadow's tweet 10 still holds; every call would do the same.
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1)`);
    await copyAll(c, 1000);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1000)`);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
  });
});

Attack('a composite primary key: rows written below the last key copied, primary keys moved across it (ON UPDATE CASCADE), under open copy batches: the swap carries the old tables\' content', async () => {
  const config: ConfigInput = {
    timezone: 'UTC',
    models: {
      tweet: { columns: { tenant: 'integer not null', id: 'bigint not null', body: 'text', created_at: 'timestamptz not null' }, primaryKey: ['tenant', 'id'],
               partition: { by: 'range', column: 'created_at', interval: '1 month', premake: 1, initial: false } },
      reply: { columns: { id: 'bigint generated by default as identity', body: 'text' }, primaryKey: ['id'],
               partitionForeignKey: { column: ['tenant', 'tweet_id'], references: 'tweet', onDelete: 'cascade' } },
    },
  };
  await onAdoptDatabase('adopt_attack_composite', config, `
      CREATE TABLE tweet (tenant integer NOT NULL, id bigint NOT NULL, body text, created_at timestamptz NOT NULL, PRIMARY KEY (tenant, id));
      CREATE TABLE reply (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, body text, tenant integer NOT NULL, tweet_id bigint NOT NULL,
                          FOREIGN KEY (tenant, tweet_id) REFERENCES tweet (tenant, id) ON UPDATE CASCADE ON DELETE CASCADE);
      INSERT INTO tweet SELECT t, g, 't' || t || '-' || g, timestamptz '2025-01-01 00:00+00' + (t * 300 + g) * interval '1 hour'
        FROM generate_series(1, 3) t, generate_series(1, 300) g;
      INSERT INTO reply (body, tenant, tweet_id) SELECT 'r' || g, 1 + g % 3, 1 + g % 300 FROM generate_series(1, 2000) g;
      ANALYZE tweet, reply;`, async (c, { desired, open }) => {
    const copier = await open();
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [desired]);
    const snapshot = async () => ({
      tweet: await rows(c, `SELECT tenant, id::int, body, created_at::text FROM tweet ORDER BY tenant, id`),
      reply: await rows(c, `SELECT id::int, body, tenant, tweet_id::int FROM reply ORDER BY id`),
    });
    // Tenant 1 and half of 2 copied; the next batch open while keys cross it.
    for (let i = 0; i < 5; i++) await c.query(`SELECT * FROM parting.adopt_copy('tweet', 100)`);
    await copier.query('BEGIN');
    await copier.query(`SELECT * FROM parting.adopt_copy('tweet', 100)`);
    await c.query(`INSERT INTO tweet VALUES (1, 1000, 'late', '2025-02-15'), (2, 0, 'below', '2025-03-15')`);
    await c.query(`UPDATE tweet SET tenant = 1, id = 2000, created_at = created_at + interval '1 month' WHERE tenant = 3 AND id = 50`); // not copied, to copied
    await c.query(`UPDATE tweet SET tenant = 3, id = 3000 WHERE tenant = 1 AND id = 60`); // copied, to not copied
    await c.query(`UPDATE tweet SET id = 4000 WHERE tenant = 2 AND id = 250`); // in the open batch, to beyond it
    await c.query(`UPDATE tweet SET created_at = created_at + interval '2 months' WHERE tenant = 2 AND id = 240`);
    await copier.query('COMMIT');
    while (!(await rows<{ member: string; done: boolean }>(c, `SELECT * FROM parting.adopt_copy('tweet', 500)`)).find((r) => r.member === 'tweet')!.done);
    await copier.query('BEGIN');
    await copier.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`);
    await c.query(`UPDATE tweet SET tenant = 2, id = 5000, created_at = created_at + interval '1 month' WHERE (tenant, id) = (SELECT tenant, tweet_id FROM reply WHERE id = 7)`);
    await c.query(`UPDATE reply SET tenant = 1, tweet_id = 1000 WHERE id IN (3, 1900)`);
    await c.query(`DELETE FROM tweet WHERE (tenant, id) = (SELECT tenant, tweet_id FROM reply WHERE id = 1500)`);
    await copier.query('COMMIT');
    while ((await scalar(c, `SELECT phase FROM parting.adoption WHERE model = 'tweet'`)) === 'copying') await c.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.length > 0 && verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
    const before = await snapshot();
    assert.is(await scalar(c, `SELECT parting.adopt_swap('tweet')`), 'swapped');
    while ((await scalar(c, `SELECT parting.adopt_validate('tweet')`)) !== null);
    assert.equal(await snapshot(), before);
    assert.equal(await rows(c, `SELECT r.id::int FROM reply r JOIN tweet t ON (t.tenant, t.id) = (r.tenant, r.tweet_id) WHERE r.tweet_created_at IS DISTINCT FROM t.created_at`), []);
  });
});

Attack('the swap called in a REPEATABLE READ transaction: a write committed while it waits for its lock is not lost (or the swap is refused)', async () => {
  await onAdoptDatabase('adopt_attack_rr_swap', adoptConfig(), PLAIN_FAMILY, async (c, { desired, open }) => {
    const writer = await open();
    const swapper = await open();
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [desired]);
    await copyAll(c, 1000);
    await c.query(`SELECT * FROM parting.adopt_verify('tweet')`);
    // A writer in flight, which the swap's lock would wait for while its snapshot stayed
    // the one taken before: refused at once instead, naming the isolation it needs.
    await writer.query(`BEGIN`);
    await writer.query(`UPDATE tweet SET body = 'late' WHERE id = 5`);
    await swapper.query(`BEGIN ISOLATION LEVEL REPEATABLE READ`);
    const refused = await pgError(swapper, `SELECT parting.adopt_swap('tweet')`);
    assert.match(refused.message, 'READ COMMITTED');
    await swapper.query('ROLLBACK');
    await writer.query('COMMIT');
    assert.is(await scalar(c, `SELECT phase FROM parting.adoption WHERE model = 'tweet'`), 'verified');
    // Under READ COMMITTED it swaps, and the write is in the new tables.
    assert.is(await scalar(swapper, `SELECT parting.adopt_swap('tweet')`), 'swapped');
    assert.is(await scalar(c, `SELECT body FROM public.tweet WHERE id = 5`), 'late');
  });
});

Attack('a deferred foreign key: a parent deleted, then written back under another key, in one transaction: its stars get the new key', async () => {
  await onAdoptDatabase('adopt_attack_deferred', adoptConfig(), [PLAIN_FAMILY, `ALTER TABLE star DROP CONSTRAINT star_tweet_id_fkey;
                   ALTER TABLE star ADD FOREIGN KEY (tweet_id) REFERENCES tweet (id) DEFERRABLE INITIALLY DEFERRED`].join(';\n'), async (c, { desired }) => {
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [desired]);
    await copyAll(c, 1000);
    await c.query(`BEGIN;
                   DELETE FROM reply WHERE tweet_id = 700;
                   DELETE FROM tweet WHERE id = 700;
                   INSERT INTO tweet (id, body, created_at) VALUES (700, 'back', '2025-05-05');
                   COMMIT`);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 1000)`);
    assert.equal(await rows(c, `SELECT n.id::int FROM pgpart_adopt_tweet.star n JOIN tweet t ON t.id = n.tweet_id
                                 WHERE n.tweet_created_at IS DISTINCT FROM t.created_at`), []);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
  });
});

Attack.run();
