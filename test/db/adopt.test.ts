// Adopting a live family (tweet, star and reply as plain tables with ordinary foreign keys,
// mention outside it carrying the key column, a view over tweet) step by step with the
// parting.adopt_* routines and with `pgpart adopt`: writers insert, move keys (a parent's
// under its dependents, a dependent to another parent), update and delete on every table
// throughout start, copy and verify, and none of their writes fails; after the swap every
// row is what the old tables held, each dependent row carries its parent's key, the
// foreign keys (lockstep and the outside one, re-pointed) are validated, the view reads the
// new table, the sequence goes on. A backend killed while it copies: `pgpart adopt`
// resumes. Abort at each phase before the swap leaves the tables as they were; after it,
// abort is refused. Waits are on locks (pg_blocking_pids), never on time.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { compile, type Compiled } from '../../src/build.js';
import { loadRuntime } from '../../src/db/install.js';
import { runCli, writeConfig } from '../harness/cli.js';
import { freshDatabase, newClient, type FreshDatabase } from '../harness/db.js';
import { adoptConfig, chainConfig, chainTables, content, copyAll, PLAIN_FAMILY, writers } from './adopt-helpers.js';
import { sessionLoops } from '../harness/loops.js';
import { catalog } from './catalog.js';
import { column, pgError, pidOf, rows, scalar } from './helpers.js';
import { until, untilWaiting } from './wait.js';

const Adopt = suite('pgpart adopt');

async function plainFamily(prefix: string, compiled: Compiled): Promise<FreshDatabase> {
  const db = await freshDatabase(prefix);
  await db.client.query(PLAIN_FAMILY);
  await loadRuntime(db.client, compiled);
  return db;
}

Adopt('writers throughout start, copy and verify lose nothing; the swap carries rows, keys, sequences, foreign keys and views over', async () => {
  const compiled = compile(adoptConfig());
  const db = await plainFamily('adopt_writers', compiled);
  // Stopped in `finally` too: writers left running after a failed assertion would keep the
  // test process alive, failing against the dropped database.
  let load: ReturnType<typeof writers> | undefined;
  try {
    const c = db.client;
    load = writers(db.url, 3);
    assert.is(await scalar(c, `SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]), 'copying');
    // A parent's key moved under its dependents before any row is copied, and one beyond every partition.
    await c.query(`UPDATE tweet SET created_at = created_at + interval '2 months' WHERE id = 150`);
    await c.query(`UPDATE tweet SET created_at = '2031-06-01' WHERE id = 151`);
    const batches = await copyAll(c, 400);
    assert.ok(batches > 10, `${batches} batches`);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.length > 0 && verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
    const { writes, failures } = await load.stop();
    load = undefined;
    assert.equal(failures, []);
    assert.ok(writes > 100, `${writes} writes`);

    const before = await content(c);
    const seq = Number(await scalar(c, `SELECT last_value FROM public.tweet_id_seq`));
    assert.is(await scalar(c, `SELECT parting.adopt_swap('tweet')`), 'swapped');
    while ((await scalar(c, `SELECT parting.adopt_validate('tweet')`)) !== null);
    assert.equal(await content(c), before);
    // The old tables, behind, hold the same rows.
    assert.equal((await content(c, 'pgpart_adopted_tweet')).tweet, before.tweet);

    assert.is(await scalar(c, `SELECT relkind::text FROM pg_class WHERE oid = 'public.tweet'::regclass`), 'p');
    assert.equal(await rows(c, `SELECT s.id, s.tweet_id, s.tweet_created_at::text, t.created_at::text, s.who, t.body FROM star s JOIN tweet t ON t.id = s.tweet_id WHERE s.tweet_created_at <> t.created_at`), []);
    assert.equal(await column(c, `SELECT conrelid::regclass || ' ' || conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated AND conparentid = 0 ORDER BY 1`), []);
    assert.is(await scalar(c, `SELECT count(*)::int FROM pg_constraint k WHERE k.conname = 'star_2025_03_tweet_id_fkey'
                                  AND k.confrelid = 'public.tweet_2025_03'::regclass`), 1);
    assert.is(await scalar(c, `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'mention_tweet_id_fkey'`),
      'FOREIGN KEY (tweet_id, tweet_created_at) REFERENCES tweet(id, created_at)');
    assert.is(await scalar(c, `SELECT EXISTS (SELECT FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid
                                                WHERE w.ev_class = 'public.recent'::regclass AND d.refobjid = 'public.tweet'::regclass)`), true);
    assert.ok(Number(await scalar(c, `SELECT id FROM tweet WHERE false UNION ALL SELECT nextval(pg_get_serial_sequence('public.tweet', 'id'))`)) > seq);
    // Writes after the swap: the dependents give their key.
    await c.query(`INSERT INTO tweet (body, created_at) VALUES ('after', '2025-02-02')`);
    await c.query(`INSERT INTO star (who, tweet_id, tweet_created_at) SELECT 'after', id, created_at FROM tweet WHERE body = 'after'`);
    assert.is(await scalar(c, `SELECT tableoid::regclass::text FROM star WHERE who = 'after'`), 'star_2025_02');

    // Abort is refused now; finish drops the old tables.
    const refused = await pgError(c, `SELECT parting.adopt_abort('tweet')`);
    assert.match(refused.message, 'is swapped');
    await c.query(`SELECT parting.adopt_finish('tweet')`);
    assert.is(await scalar(c, `SELECT to_regnamespace('pgpart_adopted_tweet') IS NULL AND to_regnamespace('pgpart_adopt_tweet') IS NULL`), true);
    assert.is(await scalar(c, `SELECT count(*)::int FROM parting.history WHERE action = 'adopted'`), 3);
  } finally {
    await load?.stop();
    await db.drop();
  }
});

/**
 * Writers whose statements an application makes before the swap and after it alike (the
 * dependents' key column is not written: the old tables do not have it): a tweet inserted; a
 * tweet with stars and replies moved a minute inside its month (ON UPDATE CASCADE carries its
 * dependents after the swap); a star's text changed; a reply deleted; a tweet the writer made
 * deleted. Each records the tweets it made and deleted, and calls `afterWrite` after each statement (whether it wrote).
 */
function swapWriters(url: string, n: number, afterWrite: (ok: boolean) => void): { stop(): Promise<{ made: Set<string>; gone: Set<string>; failures: string[] }> } {
  const failures: string[] = [];
  const made = new Set<string>();
  const gone = new Set<string>();
  const mine = new Map<number, string[]>();
  const loops = sessionLoops(url, n, (w) => 11 + w * 37, async (c, w, i, next) => {
    const own = mine.get(w) ?? [];
    mine.set(w, own);
    const op = i % 5;
    const id = 101 + next(1900);
    try {
      if (op === 0) {
        const r = await c.query<{ id: string }>(`INSERT INTO tweet (body, created_at) VALUES ($1, timestamptz '2025-02-10 00:00+00' + $2 * interval '1 day') RETURNING id`, [`s${w}-${i}`, next(40)]);
        made.add(r.rows[0]!.id);
        own.push(r.rows[0]!.id);
      } else if (op === 1) {
        await c.query(`UPDATE tweet SET created_at = created_at + CASE WHEN date_trunc('month', created_at + interval '1 minute') = date_trunc('month', created_at)
                                                                     THEN interval '1 minute' ELSE interval '-1 minute' END WHERE id = $1`, [id]);
      } else if (op === 2) {
        await c.query(`UPDATE star SET who = who || '+' WHERE id = $1`, [1 + next(3000)]);
      } else if (op === 3) {
        await c.query(`DELETE FROM reply WHERE id = $1`, [1 + next(3000)]);
      } else if (own.length > 0) {
        const victim = own.shift()!;
        await c.query(`DELETE FROM tweet WHERE id = $1`, [victim]);
        gone.add(victim);
      }
      afterWrite(true);
    } catch (err) {
      failures.push(`op ${op}: ${(err as Error).message}`);
      afterWrite(false);
    }
  }, (c) => c.query(`SET TIME ZONE 'UTC'`));
  return {
    async stop() {
      await loops.stop();
      return { made, gone, failures };
    },
  };
}

Adopt('no writer waits for the copy or for another writer\'s capture: a batch copied from a snapshot, its rows then deleted, moved and changed, is put right by the change log', async () => {
  const compiled = compile(adoptConfig());
  const db = await plainFamily('adopt_nowait', compiled);
  const copier = newClient(db.url);
  const w = newClient(db.url);
  try {
    const c = db.client;
    await Promise.all([copier.connect(), w.connect()]);
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]);
    // Tweets and stars copied and committed; then the replies' first batch, left open: rows
    // 1-500 of reply written to the shadow, not committed.
    while (!(await rows<{ member: string; done: boolean }>(c, `SELECT * FROM parting.adopt_copy('tweet', 5000)`))
      .find((r) => r.member === 'star')!.done);
    assert.is(await scalar(c, `SELECT count(*)::int FROM pgpart_adopt_tweet.reply`), 0);
    await copier.query('BEGIN');
    await copier.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`);
    // A writer that would wait for any lock fails at once (lock_timeout 1ms): none of these
    // may wait, neither for the open batch nor for the row a third session holds below.
    await w.query(`SET lock_timeout = '1ms'`);
    await w.query(`DELETE FROM reply WHERE id = 10`);
    await w.query(`UPDATE reply SET body = 'changed' WHERE id = 11`);
    await w.query(`UPDATE reply SET tweet_id = 777 WHERE id = 12`);
    await w.query(`UPDATE tweet SET created_at = created_at + interval '1 month' WHERE id = (SELECT tweet_id FROM reply WHERE id = 13)`);
    await c.query('BEGIN');
    await c.query(`SELECT FROM tweet WHERE id = 501 FOR UPDATE`);
    await w.query(`UPDATE star SET who = who || '+' WHERE id = 500`);
    await c.query('COMMIT');
    await copier.query('COMMIT');
    // The open batch wrote what its snapshot held; the next calls read those rows again.
    while (!(await rows<{ done: boolean }>(c, `SELECT * FROM parting.adopt_copy('tweet', 5000)`)).every((r) => r.done));
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 5000)`);
    assert.equal(await rows(c, `SELECT r.id::int, r.body, r.tweet_id::int, r.tweet_created_at = t.created_at AS same_key
                                  FROM pgpart_adopt_tweet.reply r JOIN tweet t ON t.id = r.tweet_id WHERE r.id BETWEEN 10 AND 13 ORDER BY 1`),
      await rows(c, `SELECT r.id::int, r.body, r.tweet_id::int, true AS same_key FROM reply r WHERE r.id BETWEEN 10 AND 13 ORDER BY 1`));
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
    const before = await content(c);
    assert.is(await scalar(c, `SELECT parting.adopt_swap('tweet')`), 'swapped');
    assert.equal(await content(c), before);
  } finally {
    await copier.end();
    await w.end();
    await db.drop();
  }
});

Adopt('three levels: a root\'s key moved, a middle row given another parent, each while its children are copied: the replay carries the key down to the grandchildren', async () => {
  const compiled = compile(chainConfig());
  const db = await freshDatabase('adopt_chain');
  const copier = newClient(db.url);
  try {
    const c = db.client;
    await copier.connect();
    await c.query(chainTables(1000, 2000, 4000));
    await loadRuntime(c, compiled);
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'a')`, [JSON.stringify(compiled.desired)]);
    // a and b copied; c's first batch (rows 1-1000) left open while a row of a, referenced
    // through b by rows of that batch, moves a month, and a row of b is given another a.
    while (!(await rows<{ member: string; done: boolean }>(c, `SELECT * FROM parting.adopt_copy('a', 1000)`)).find((r) => r.member === 'b')!.done);
    const b7 = Number(await scalar(c, `SELECT b_id FROM c WHERE id = 7`));
    const a7 = Number(await scalar(c, `SELECT a_id FROM b WHERE id = $1`, [b7]));
    const b9 = Number(await scalar(c, `SELECT b_id FROM c WHERE id = 9`));
    await copier.query('BEGIN');
    await copier.query(`SELECT * FROM parting.adopt_copy('a', 1000)`);
    await c.query(`UPDATE a SET created_at = created_at + interval '1 month' WHERE id = $1`, [a7]);
    await c.query(`UPDATE b SET a_id = 999 WHERE id = $1`, [b9]);
    await copier.query('COMMIT');
    while (!(await rows<{ done: boolean }>(c, `SELECT * FROM parting.adopt_copy('a', 1000)`)).every((r) => r.done));
    await c.query(`SELECT * FROM parting.adopt_copy('a', 1000)`);
    // Every row of c in the new tables carries its grandparent's key as it is now.
    assert.equal(await rows(c, `SELECT n.id::int FROM pgpart_adopt_a.c n JOIN b ON b.id = n.b_id JOIN a ON a.id = b.a_id
                                 WHERE n.b_a_created_at IS DISTINCT FROM a.created_at`), []);
    assert.equal(await rows(c, `SELECT n.id::int FROM pgpart_adopt_a.b n JOIN a ON a.id = n.a_id WHERE n.a_created_at IS DISTINCT FROM a.created_at`), []);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('a')`);
    assert.ok(verified.length > 0 && verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
    const before = await rows(c, `SELECT c.id, c.v, c.b_id, b.a_id FROM c JOIN b ON b.id = c.b_id ORDER BY c.id`);
    assert.is(await scalar(c, `SELECT parting.adopt_swap('a')`), 'swapped');
    while ((await scalar(c, `SELECT parting.adopt_validate('a')`)) !== null);
    assert.equal(await rows(c, `SELECT c.id, c.v, c.b_id, b.a_id FROM c JOIN b ON b.id = c.b_id ORDER BY c.id`), before);
    assert.equal(await column(c, `SELECT conrelid::regclass || ' ' || conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated`), []);
  } finally {
    await copier.end();
    await db.drop();
  }
});

Adopt('writers through the swap: they queue behind it and go on on the new tables, none fails; then the key guard refuses a move across partitions', async () => {
  const compiled = compile(adoptConfig());
  const db = await plainFamily('adopt_through', compiled);
  const adopter = newClient(db.url);
  // Stopped in `finally` too: writers left running after a failed assertion would keep the
  // test process alive, failing against the dropped database.
  let load: ReturnType<typeof swapWriters> | undefined;
  let writes = 0;
  let failed = 0;
  // Waits for `more` writes, or for a failed one (asserted after): never for a length of time.
  const untilWrites = async (more: number): Promise<void> => {
    const at = writes + more;
    await until(`the writers made ${more} more writes`, () => writes >= at || failed > 0);
  };
  try {
    const c = db.client;
    await adopter.connect();
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]);
    await copyAll(c, 1000);
    assert.ok((await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`)).every((r) => r.same));
    load = swapWriters(db.url, 3, (ok) => { if (ok) writes++; else failed++; });
    await untilWrites(30);
    // The swap's transaction held open until a writer queues behind it.
    // Its lock request waits at most lockTimeout behind the writers' statements; on a busy
    // machine one may run longer: then it is asked again, as `pgpart adopt` does.
    for (let attempt = 1; ; attempt++) {
      await adopter.query('BEGIN');
      try {
        assert.is(await scalar(adopter, `SELECT parting.adopt_swap('tweet')`), 'swapped');
        break;
      } catch (err) {
        await adopter.query('ROLLBACK');
        if ((err as { code?: string }).code !== '55P03' || attempt === 100) throw err;
      }
    }
    const adopterPid = await pidOf(adopter);
    await until('a writer waits for the swap', async () =>
      scalar<boolean>(c, `SELECT EXISTS (SELECT FROM pg_stat_activity a WHERE a.datname = current_database() AND $1 = ANY (pg_blocking_pids(a.pid)))`, [adopterPid]));
    await adopter.query('COMMIT');
    await untilWrites(60);
    const { made, gone, failures } = await load.stop();
    load = undefined;
    assert.equal(failures, []);
    assert.is(await scalar(c, `SELECT relkind::text FROM pg_class WHERE oid = 'public.tweet'::regclass`), 'p');
    // Every tweet a writer made and did not delete is in the new table; none it deleted is.
    const kept = [...made].filter((id) => !gone.has(id)).sort();
    assert.equal((await column<string>(c, `SELECT id::text FROM tweet WHERE id = ANY ($1::bigint[]) ORDER BY 1`, [kept])), kept);
    assert.is(await scalar(c, `SELECT count(*)::int FROM tweet WHERE id = ANY ($1::bigint[])`, [[...gone]]), 0);
    assert.equal(await rows(c, `SELECT s.id FROM star s JOIN tweet t ON t.id = s.tweet_id WHERE s.tweet_created_at <> t.created_at
                                UNION ALL SELECT r.id FROM reply r JOIN tweet t ON t.id = r.tweet_id WHERE r.tweet_created_at <> t.created_at`), []);

    // The family is pgpart's now: a tweet with stars is not moved to another month by an UPDATE
    // (its stars would go with the delete half of it), parting.move_key moves it with them.
    const stars = await scalar<number>(c, `SELECT count(*)::int FROM star WHERE tweet_id = 500`);
    assert.ok(stars > 0);
    const refused = await pgError(c, `UPDATE tweet SET created_at = created_at + interval '2 months' WHERE id = 500`);
    assert.is(refused.code, '23001');
    assert.match(refused.message, 'tweet');
    assert.match(refused.hint ?? '', 'move_key');
    assert.is(await scalar(c, `SELECT count(*)::int FROM star WHERE tweet_id = 500`), stars);
    const newKey = await scalar<string>(c, `SELECT (created_at + interval '2 months')::text FROM tweet WHERE id = 500`);
    await c.query(`SELECT parting.move_key('tweet', '500', $1)`, [newKey]);
    assert.is(await scalar(c, `SELECT count(*)::int FROM star s JOIN tweet t ON t.id = s.tweet_id AND t.created_at = s.tweet_created_at WHERE t.id = 500`), stars);
    while ((await scalar(c, `SELECT parting.adopt_validate('tweet')`)) !== null);
    await c.query(`SELECT parting.adopt_finish('tweet')`);
  } finally {
    await load?.stop();
    await adopter.end();
    await db.drop();
  }
});

Adopt('a backend killed while it copies: `pgpart adopt` resumes, verifies, swaps and installs', async () => {
  const config = { ...adoptConfig(), lockTimeout: '60s' };
  const compiled = compile(config);
  const db = await plainFamily('adopt_kill', compiled);
  const adopter = newClient(db.url);
  const holder = newClient(db.url);
  try {
    await adopter.connect();
    await holder.connect();
    const before = await content(db.client);
    await adopter.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]);
    await adopter.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`);
    // The next batch waits for a lock another session holds on the new parent (the copy
    // takes no row lock a writer could hold); the adopting backend is killed there.
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE pgpart_adopt_tweet.tweet IN EXCLUSIVE MODE`);
    const pid = await pidOf(adopter);
    const copying = adopter.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`).then(() => 'copied', (e: Error) => e.message);
    await untilWaiting(db.client, pid, await pidOf(holder));
    await db.client.query('SELECT pg_terminate_backend($1)', [pid]);
    assert.match(await copying, 'terminat');
    await holder.query('ROLLBACK');
    assert.is(await scalar(db.client, `SELECT (progress -> 'tweet' ->> 'copied')::int FROM parting.adoption`), 500);

    const file = writeConfig(config);
    const run = await runCli(['adopt', 'tweet', '--config', file, '--database-url', db.url, '--batch', '700']);
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stderr, 'resuming the adoption of tweet (copying)');
    assert.match(run.stderr, /copied [\d,]+ of ~[\d,]+ rows/);
    assert.match(run.stderr, 'verified:');
    assert.match(run.stderr, /swapped in \d+ ms \(\d+ ms from its lock request on\)/);
    assert.match(run.stderr, 'installed: the config rows');
    assert.equal(await content(db.client), before);
    assert.ok(String(await scalar(db.client, 'SELECT config_hash FROM parting.meta')).startsWith('sha256:'));
    const status = await runCli(['status', '--database-url', db.url]);
    assert.match(status.stdout, 'adoption of tweet: swapped');
    const plan = await runCli(['plan', '--config', file, '--database-url', db.url]);
    assert.is(plan.code, 0, plan.stdout + plan.stderr);
    const finish = await runCli(['adopt', 'tweet', '--finish', '--config', file, '--database-url', db.url]);
    assert.is(finish.code, 0, finish.stderr);
  } finally {
    await adopter.end().catch(() => {});
    await holder.end().catch(() => {});
    await db.drop();
  }
});

Adopt('a backend killed while its swap waits for a reader: nothing swapped, the writes go on, `pgpart adopt` swaps', async () => {
  const config = { ...adoptConfig(), lockTimeout: '60s' };
  const compiled = compile(config);
  const db = await plainFamily('adopt_kill_swap', compiled);
  const adopter = newClient(db.url);
  const reader = newClient(db.url);
  try {
    await adopter.connect();
    await reader.connect();
    await adopter.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]);
    await copyAll(adopter, 5000);
    await adopter.query(`SELECT * FROM parting.adopt_verify('tweet')`);
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM tweet');
    const pid = await pidOf(adopter);
    const swapping = adopter.query(`SELECT parting.adopt_swap('tweet')`).then(() => 'swapped', (e: Error) => e.message);
    await untilWaiting(db.client, pid, await pidOf(reader));
    await db.client.query('SELECT pg_terminate_backend($1)', [pid]);
    assert.match(await swapping, 'terminat');
    await reader.query('COMMIT');
    assert.is(await scalar(db.client, 'SELECT phase FROM parting.adoption'), 'verified');
    assert.is(await scalar(db.client, `SELECT relkind::text FROM pg_class WHERE oid = 'public.tweet'::regclass`), 'r');
    // The capture goes on: a write now is in the new tables after the swap.
    await db.client.query(`INSERT INTO tweet (body, created_at) VALUES ('between', '2025-02-07')`);
    const before = await content(db.client);
    const run = await runCli(['adopt', 'tweet', '--config', writeConfig(config), '--database-url', db.url]);
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stderr, 'resuming the adoption of tweet (verified)');
    assert.equal(await content(db.client), before);
    assert.is(await scalar(db.client, `SELECT tableoid::regclass::text FROM tweet WHERE body = 'between'`), 'tweet_2025_02');
  } finally {
    await adopter.end().catch(() => {});
    await reader.end().catch(() => {});
    await db.drop();
  }
});

Adopt('a table already partitioned by hand with pgpart\'s bounds and names is taken as it is: no row copied, check --repair adds what pgpart\'s partitions have', async () => {
  const db = await freshDatabase('adopt_by_hand');
  try {
    const c = db.client;
    await c.query(`
      CREATE TABLE tweet (id bigint GENERATED BY DEFAULT AS IDENTITY, body text, created_at timestamptz NOT NULL,
                          CONSTRAINT tweet_pkey PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
      -- This month and the next (premake 1), as pgpart names and bounds them.
      DO $$
      DECLARE m timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
      BEGIN
        FOR i IN 0 .. 1 LOOP
          EXECUTE format('CREATE TABLE %I PARTITION OF tweet FOR VALUES FROM (%L) TO (%L)', 'tweet_' || to_char(m + i * interval '1 month', 'YYYY_MM'),
                         (m + i * interval '1 month') AT TIME ZONE 'UTC', (m + (i + 1) * interval '1 month') AT TIME ZONE 'UTC');
        END LOOP;
      END $$;
      INSERT INTO tweet (body, created_at)
      SELECT 't' || g, date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + g * interval '1 hour' FROM generate_series(1, 1000) g;`);
    const files = async (): Promise<unknown[]> => rows(c, `SELECT c.relname, c.relfilenode FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
                                                             WHERE i.inhparent = 'public.tweet'::regclass ORDER BY 1`);
    const before = { files: await files(), rows: await rows(c, 'SELECT id, body, created_at::text FROM tweet ORDER BY id') };
    const config = adoptConfig();
    config.models = { tweet: config.models.tweet! };
    const file = writeConfig(config);
    const plan = await runCli(['plan', '--config', file, '--database-url', db.url]);
    assert.is(plan.code, 0, plan.stdout + plan.stderr);
    assert.not.match(plan.stdout, 'adoption of tweet');
    const apply = await runCli(['apply', '--config', file, '--database-url', db.url]);
    assert.is(apply.code, 0, apply.stderr);
    const repair = await runCli(['check', '--repair', '--database-url', db.url]);
    assert.is(repair.code, 0, repair.stdout + repair.stderr);
    assert.match(repair.stdout, 'no problems');
    assert.equal({ files: await files(), rows: await rows(c, 'SELECT id, body, created_at::text FROM tweet ORDER BY id') }, before);
    assert.is(await scalar(c, `SELECT count(*)::int FROM pg_constraint k JOIN pg_inherits i ON i.inhrelid = k.conrelid
                                WHERE i.inhparent = 'public.tweet'::regclass AND k.conname LIKE '%_bound' AND k.convalidated`), 2);
  } finally {
    await db.drop();
  }
});

Adopt('abort at each phase before the swap leaves the tables as they were, with the writes made meanwhile', async () => {
  const compiled = compile(adoptConfig());
  const db = await plainFamily('adopt_abort', compiled);
  try {
    const c = db.client;
    const shape = await catalog(c);
    for (const phase of ['copying', 'copied', 'verified']) {
      await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]);
      await c.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`);
      if (phase !== 'copying') await copyAll(c, 5000);
      if (phase === 'verified') await c.query(`SELECT * FROM parting.adopt_verify('tweet')`);
      assert.is(await scalar(c, 'SELECT phase FROM parting.adoption'), phase);
      await c.query(`INSERT INTO tweet (body, created_at) VALUES ($1, '2025-02-03')`, [`during ${phase}`]);
      await c.query(`UPDATE tweet SET created_at = created_at + interval '1 month' WHERE id = 300`);
      const before = await content(c);
      await c.query(`SELECT parting.adopt_abort('tweet')`);
      assert.equal(await content(c), before, phase);
      assert.equal(await catalog(c), shape, phase);
      assert.is(await scalar(c, `SELECT count(*)::int FROM parting.config`), 0);
      assert.is(await scalar(c, `SELECT count(*)::int FROM pg_trigger WHERE tgname LIKE 'pgpart_adopt%'`), 0);
    }
  } finally {
    await db.drop();
  }
});

Adopt('`pgpart adopt` refuses what the plan refuses, and a dependent model, changing nothing', async () => {
  const compiled = compile(adoptConfig());
  const db = await plainFamily('adopt_refused', compiled);
  try {
    await db.client.query(`CREATE TABLE bookmark (id bigint PRIMARY KEY, tweet_id bigint REFERENCES tweet (id))`);
    const shape = await catalog(db.client);
    const file = writeConfig(adoptConfig());
    const run = await runCli(['adopt', 'tweet', '--config', file, '--database-url', db.url]);
    assert.is(run.code, 1, run.stderr);
    assert.match(run.stderr, 'pgpart adopt tweet: refused');
    assert.match(run.stderr, 'public.bookmark references public.tweet (id) by bookmark_tweet_id_fkey');
    const dep = await runCli(['adopt', 'star', '--config', file, '--database-url', db.url]);
    assert.is(dep.code, 2, dep.stderr);
    assert.match(dep.stderr, 'a family is adopted whole, from its root: pgpart adopt tweet');
    assert.equal(await catalog(db.client), shape);
  } finally {
    await db.drop();
  }
});

Adopt.run();
