// Creating a family by LIKE + CHECK + ATTACH + per-partition
// FK takes only ACCESS SHARE and SHARE UPDATE EXCLUSIVE on the parents and locks no existing
// partition, so writers are never blocked; `CREATE TABLE … PARTITION OF` takes ACCESS
// EXCLUSIVE instead (the control showing the check can fail). Then the same under load: four
// writers and a maintenance connection, and two callers racing for the same partition.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { installed } from '../harness/install.js';
import { withClients, type FreshDatabase } from '../harness/db.js';
import { monthlyTweetStar, pidOf } from './helpers.js';
import { until, untilWaiting } from './wait.js';

// The seed's tweet/star family, no partitions made at install: the tests make their own.
const config = monthlyTweetStar();

/** Months that exist before any test runs; writers put their rows here. */
const EXISTING = ['2013-03', '2013-04'];

interface Lock {
  relname: string;
  mode: string;
  granted: boolean;
  pid: number;
}

const Locks = suite<{ db?: FreshDatabase }>('locks taken by ensure_partition', {});

Locks.before(async (ctx) => {
  try {
    ctx.db = await installed('locks', config);
    for (const m of EXISTING) await ctx.db.client.query(`SELECT parting.ensure_partition('tweet', $1)`, [m]);
  } catch (err) {
    console.error(err); // uvu swallows errors thrown by before() hooks
    throw err;
  }
});

Locks.after(async (ctx) => {
  await ctx.db?.drop();
});

/** Relation locks as another session sees them (only relations it can see in pg_class). */
async function relationLocks(observer: pg.Client): Promise<Lock[]> {
  const { rows } = await observer.query<Lock>(`
    SELECT c.relname::text AS relname, l.mode, l.granted, l.pid
      FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
     WHERE l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND c.relnamespace = 'public'::regnamespace
     ORDER BY 1, 2`);
  return rows;
}

async function insertPair(c: pg.Client, month: string, who: string, n = 0): Promise<void> {
  const day = 1 + (n % 28);
  const at = `${month}-${String(day).padStart(2, '0')} 12:00+00`;
  await c.query('BEGIN');
  try {
    const t = await c.query<{ id: string; created_at: Date }>(
      `INSERT INTO tweet (json, "user", created_at) VALUES ('{}', $1, $2) RETURNING id, created_at`, [who, at]);
    await c.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ($1, $2, $3)`,
      [who, t.rows[0]!.id, t.rows[0]!.created_at]);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

Locks('ensure_partition holds only ACCESS SHARE / SHARE UPDATE EXCLUSIVE on the parents and no lock on existing partitions', async (ctx) => {
  await withClients(ctx.db!.url, 2, async ([a, b]) => {
    const aPid = await pidOf(a!);
    await a!.query('BEGIN');
    try {
      const made = await a!.query<{ p: string }>(`SELECT p::text AS p FROM parting.ensure_partition('tweet', '2013-05') AS p`);
      assert.equal(made.rows.map((r) => r.p), ['tweet_2013_05', 'star_2013_05']);

      const locks = await relationLocks(b!);
      const mine = locks.filter((l) => l.pid === aPid);
      const onParents = mine.filter((l) => l.relname === 'tweet' || l.relname === 'star');
      // Nobody holds ACCESS EXCLUSIVE on a parent.
      assert.equal(locks.filter((l) => (l.relname === 'tweet' || l.relname === 'star') && l.mode === 'AccessExclusiveLock'), []);
      // A holds SHARE UPDATE EXCLUSIVE (from ATTACH) on both parents, and nothing stronger.
      for (const parent of ['tweet', 'star']) {
        assert.ok(onParents.some((l) => l.relname === parent && l.mode === 'ShareUpdateExclusiveLock' && l.granted),
          `A holds ShareUpdateExclusiveLock on ${parent}: ${JSON.stringify(onParents)}`);
      }
      for (const l of onParents) {
        assert.ok(['AccessShareLock', 'ShareUpdateExclusiveLock'].includes(l.mode), `unexpected ${l.mode} on ${l.relname}`);
      }
      // No existing partition (nor its indexes) is locked by A at all.
      const existing = mine.filter((l) => /^(tweet|star)_2013_0[34]/.test(l.relname));
      assert.equal(existing, []);
      // The parents' own indexes are not locked exclusively either.
      assert.equal(mine.filter((l) => l.mode === 'AccessExclusiveLock'), []);
    } finally {
      await a!.query('ROLLBACK');
    }
  });
});

Locks('control: CREATE TABLE … PARTITION OF takes ACCESS EXCLUSIVE on the parent, and the check sees it', async (ctx) => {
  await withClients(ctx.db!.url, 2, async ([a, b]) => {
    const aPid = await pidOf(a!);
    await a!.query('BEGIN');
    try {
      await a!.query(`CREATE TABLE x PARTITION OF tweet FOR VALUES FROM ('2014-01-01 00:00+00') TO ('2014-02-01 00:00+00')`);
      const locks = await relationLocks(b!);
      assert.ok(locks.some((l) => l.relname === 'tweet' && l.pid === aPid && l.mode === 'AccessExclusiveLock' && l.granted),
        JSON.stringify(locks.filter((l) => l.pid === aPid)));
    } finally {
      await a!.query('ROLLBACK');
    }
  });
});

Locks('writers are not blocked by an open ensure_partition transaction', async (ctx) => {
  await withClients(ctx.db!.url, 2, async ([a, b]) => {
    await b!.query(`SET lock_timeout = '5s'`); // a regression fails fast instead of hanging
    await a!.query('BEGIN');
    try {
      await a!.query(`SELECT parting.ensure_partition('tweet', '2013-06')`);
      // A's transaction is open and holds its locks; B writes a tweet and its star.
      await insertPair(b!, '2013-03', 'unblocked');
      await insertPair(b!, '2013-04', 'unblocked');
      const seen = await b!.query<{ n: string }>(
        `SELECT count(*) AS n FROM star s JOIN tweet t ON t.id = s.tweet_id AND t.created_at = s.tweet_created_at WHERE s."user" = 'unblocked'`);
      assert.is(seen.rows[0]!.n, '2');
      // Until A commits, B does not see the new partition.
      const vis = await b!.query<{ r: string | null }>(`SELECT to_regclass('tweet_2013_06')::text AS r`);
      assert.is(vis.rows[0]!.r, null);
      await a!.query('COMMIT');
    } catch (err) {
      await a!.query('ROLLBACK').catch(() => {});
      throw err;
    }
    const now = await b!.query<{ n: string }>(
      `SELECT count(*) AS n FROM parting.partitions() WHERE partition::text IN ('tweet_2013_06', 'star_2013_06')`);
    assert.is(now.rows[0]!.n, '2');
  });
});

Locks('four writers and one maintenance connection: no failed insert, no lost row, every FK holds', async (ctx) => {
  const url = ctx.db!.url;
  const months = Array.from({ length: 12 }, (_, i) => `2014-${String(i + 1).padStart(2, '0')}`);
  const MAX_ITERATIONS = 2000;
  const MIN_BEFORE_MAINTENANCE = 5;
  const before = await ctx.db!.client.query<{ n: string }>(`SELECT count(*) AS n FROM tweet`);

  await withClients(url, 5, async (clients) => {
    const writers = clients.slice(0, 4);
    const maint = clients[4]!;
    let maintenanceDone = false;
    const started: number[] = writers.map(() => 0);
    const ok: number[] = writers.map(() => 0);
    const failures: string[] = [];

    const write = async (c: pg.Client, w: number): Promise<void> => {
      await c.query(`SET lock_timeout = '5s'`);
      for (let i = 0; i < MAX_ITERATIONS && !(maintenanceDone && i >= MIN_BEFORE_MAINTENANCE); i++) {
        started[w]!++;
        try {
          await insertPair(c, EXISTING[i % EXISTING.length]!, `writer${w}`, i + w);
          ok[w]!++;
        } catch (err) {
          failures.push(`writer${w}: ${(err as Error).message}`);
        }
      }
    };
    const maintain = async (): Promise<string[]> => {
      // Let every writer get going first, so creation really overlaps with writes.
      await until('every writer has started its first inserts', () => started.every((n) => n >= MIN_BEFORE_MAINTENANCE));
      const made: string[] = [];
      try {
        for (const m of months) {
          const { rows } = await maint.query<{ p: string }>(`SELECT p::text AS p FROM parting.ensure_partition('tweet', $1) AS p`, [m]);
          made.push(...rows.map((r) => r.p));
        }
      } finally {
        maintenanceDone = true;
      }
      return made;
    };

    const [made] = await Promise.all([maintain(), ...writers.map((c, w) => write(c, w))]);
    assert.equal(failures, []);
    assert.is(made.length, 24);
    const succeeded = ok.reduce((s, n) => s + n, 0);
    assert.is(succeeded, started.reduce((s, n) => s + n, 0));
    assert.ok(started.every((n) => n >= MIN_BEFORE_MAINTENANCE), `every writer wrote: ${started}`);

    const c = ctx.db!.client;
    const { rows } = await c.query<{ tweets: string; stars: string; joined: string }>(`
      SELECT (SELECT count(*) FROM tweet WHERE "user" LIKE 'writer%') AS tweets,
             (SELECT count(*) FROM star WHERE "user" LIKE 'writer%') AS stars,
             (SELECT count(*) FROM star s JOIN tweet t ON s.tweet_id = t.id AND s.tweet_created_at = t.created_at
               WHERE s."user" LIKE 'writer%') AS joined`);
    assert.equal(rows[0], { tweets: String(succeeded), stars: String(succeeded), joined: String(succeeded) });
    const total = await c.query<{ n: string }>(`SELECT count(*) AS n FROM tweet`);
    assert.is(Number(total.rows[0]!.n), Number(before.rows[0]!.n) + succeeded);

    // All twelve families exist, each star partition pointing at its tweet partition.
    const fam = await c.query<{ partition: string; parent_partition: string | null }>(`
      SELECT partition::text AS partition, parent_partition::text AS parent_partition
        FROM parting.partitions() WHERE lower >= '2014-01-01' AND lower < '2015-01-01' ORDER BY model DESC, lower`);
    const suffixes = months.map((m) => m.replace('-', '_'));
    assert.equal(fam.rows, [
      ...suffixes.map((s) => ({ partition: `tweet_${s}`, parent_partition: null })),
      ...suffixes.map((s) => ({ partition: `star_${s}`, parent_partition: `tweet_${s}` })),
    ]);
  });
});

Locks('two callers racing for the same new key: both succeed, one creates, the other returns nothing', async (ctx) => {
  await withClients(ctx.db!.url, 3, async ([a, b, observer]) => {
    // Deterministic overlap: A creates in an open transaction, B calls while A still holds
    // the family's lock, and A commits only once B is seen waiting.
    const bPid = await pidOf(b!);
    const aPid = await pidOf(a!);
    await a!.query('BEGIN');
    let bCall: Promise<string[]> | undefined;
    try {
      const first = await a!.query<{ p: string }>(`SELECT p::text AS p FROM parting.ensure_partition('tweet', '2015-01') AS p`);
      bCall = b!.query<{ p: string }>(`SELECT p::text AS p FROM parting.ensure_partition('tweet', '2015-01-15') AS p`)
        .then((r) => r.rows.map((x) => x.p));
      bCall.catch(() => {}); // handled below; avoid an unhandled rejection while we wait
      await untilWaiting(observer!, bPid, aPid, { unless: bCall });
      await a!.query('COMMIT');
      const second = await bCall;
      assert.equal(first.rows.map((r) => r.p), ['tweet_2015_01', 'star_2015_01']);
      assert.equal(second, []);
    } catch (err) {
      await a!.query('ROLLBACK').catch(() => {});
      await bCall?.catch(() => {});
      throw err;
    }

    // And simply at the same time, in autocommit.
    const [ra, rb] = await Promise.all([a!, b!].map((c) =>
      c.query<{ p: string }>(`SELECT p::text AS p FROM parting.ensure_partition('tweet', '2015-02') AS p`).then((r) => r.rows.map((x) => x.p))));
    const results = [ra!, rb!].sort((x, y) => y.length - x.length);
    assert.equal(results, [['tweet_2015_02', 'star_2015_02'], []]);

    const { rows } = await observer!.query<{ partition: string }>(`
      SELECT partition::text AS partition FROM parting.partitions() WHERE lower >= '2015-01-01' ORDER BY 1`);
    assert.equal(rows.map((r) => r.partition), ['star_2015_01', 'star_2015_02', 'tweet_2015_01', 'tweet_2015_02']);
    const hist = await observer!.query<{ partition: string; n: string }>(`
      SELECT partition, count(*) AS n FROM parting.history
       WHERE action = 'created' AND partition LIKE '%2015%' GROUP BY 1 ORDER BY 1`);
    assert.equal(hist.rows, ['star_2015_01', 'star_2015_02', 'tweet_2015_01', 'tweet_2015_02'].map((p) => ({ partition: p, n: '1' })));
  });
});

Locks.run();
