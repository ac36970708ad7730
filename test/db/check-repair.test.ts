// parting.check() and parting.repair(): on a healthy install check() is empty; each problem,
// made by hand, is found (with what repair would do, or why it will not), repair() fixes the
// safe ones (each logged 'repaired') and leaves the rest, and check() then shows only those.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { quoteIdent, type FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, logged, month, monthlyTweetStar, rows, scalar } from './helpers.js';

interface Problem { model: string | null; partition: string | null; key: string | null; problem: string; repairable: boolean }

const Check = suite<{ db?: FreshDatabase; role?: string }>('check and repair', {});
Check.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('check_repair', monthlyTweetStar({ premake: 2, initial: true, default: true })));
  ctx.role = `check_reader_${Date.now().toString(36)}`;
  await ctx.db.client.query(`CREATE ROLE ${quoteIdent(ctx.role)}`);
});
Check.after(async (ctx) => {
  await ctx.db?.drop();
  if (ctx.role) {
    const { adminUrl, newClient } = await import('../harness/db.js');
    const c = newClient(adminUrl());
    await c.connect();
    await c.query(`DROP ROLE IF EXISTS ${quoteIdent(ctx.role)}`);
    await c.end();
  }
});

const problems = (db: FreshDatabase) =>
  rows<Problem>(db.client, `SELECT model, partition, key, problem, repairable FROM parting.check() ORDER BY problem, partition`);
const brief = (ps: Problem[]) => ps.map((p) => `${p.problem} ${p.partition ?? p.key ?? ''}`.trim() + (p.repairable ? '' : ' (left)'));

Check('a healthy install: nothing to report', async (ctx) => {
  assert.equal(await problems(ctx.db!), []);
});

Check('each problem made by hand is found; repair fixes the safe ones and leaves the rest', async (ctx) => {
  const c = ctx.db!.client;
  const [m0, m1, m2] = [month(0), month(1), month(2)];
  await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [month(-1).key]);
  await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [month(-3).key]);
  // missing partition: the last premade month, whole family
  await c.query(`DROP TABLE star_${m2.suffix}, tweet_${m2.suffix}`);
  // missing member: star of this month
  await c.query(`DROP TABLE star_${m0.suffix}`);
  // foreign key: missing on one, not valid on another
  await c.query(`ALTER TABLE star_${m1.suffix} DROP CONSTRAINT star_${m1.suffix}_tweet_id_fkey`);
  await c.query(`ALTER TABLE star_${month(-1).suffix} DROP CONSTRAINT star_${month(-1).suffix}_tweet_id_fkey`);
  await c.query(`ALTER TABLE star_${month(-1).suffix} ADD CONSTRAINT star_${month(-1).suffix}_tweet_id_fkey
                   FOREIGN KEY (tweet_id) REFERENCES tweet_${month(-1).suffix} (id) NOT VALID`);
  // a per-partition unique index, a bound check
  await c.query(`DROP INDEX tweet_${m1.suffix}_id_uniq`);
  await c.query(`ALTER TABLE tweet_${m0.suffix} DROP CONSTRAINT tweet_${m0.suffix}_bound`);
  // owner and grants: a grant on the parent made after its partitions reaches none of them
  await c.query(`GRANT SELECT ON tweet TO ${quoteIdent(ctx.role!)}`);
  await c.query(`ALTER TABLE tweet_${m1.suffix} OWNER TO ${quoteIdent(ctx.role!)}`);
  // a forgotten record, an orphan table, rows waiting in the default, the config changed
  await c.query(`SELECT parting.detach_partition('tweet', $1)`, [month(-3).key]);
  await c.query(`DROP TABLE star_${month(-3).suffix}, tweet_${month(-3).suffix}`);
  await c.query(`CREATE TABLE tweet_2099_01 (LIKE tweet)`);
  await c.query(`INSERT INTO tweet ("user", created_at) VALUES ('late', $1)`, [month(9).at()]);
  await c.query(`UPDATE parting.config SET premake = 2 WHERE model = 'tweet'`); // the same value: no change
  await c.query(`UPDATE parting.settings SET drain_batch = 5`);

  const found = brief(await problems(ctx.db!));
  assert.equal(found, [
    'config changed (left)',
    `foreign key public.star_${month(-1).suffix}`,
    `forgotten table public.star_${month(-3).suffix}`,
    `forgotten table public.tweet_${month(-3).suffix}`,
    `grants public.tweet_${month(-1).suffix}`,
    `grants public.tweet_${m0.suffix}`,
    'grants public.tweet_default',
    `missing bound check public.tweet_${m0.suffix}`,
    `missing foreign key public.star_${m1.suffix}`,
    `missing index public.tweet_${m1.suffix}`,
    `missing member star_${m0.suffix}`,
    `missing partition tweet_${m2.suffix}`,
    `orphan table public.tweet_2099_01 (left)`,
    `owner public.tweet_${m1.suffix}`,
    `rows in default tweet_default (left)`,
  ]);
  const repaired = await rows<{ problem: string; outcome: string; detail: string }>(c, `SELECT problem, outcome, detail FROM parting.repair()`);
  assert.equal(repaired.filter((r) => r.outcome !== "repaired" && r.outcome !== "left"), [], JSON.stringify(repaired));
  assert.ok(repaired.filter((r) => r.outcome === 'repaired').length >= 10, JSON.stringify(repaired));
  assert.equal(brief(await problems(ctx.db!)).filter((p) => !p.endsWith('(left)')), [], 'every repairable problem is gone');
  // What repair did is in the catalog: the member, the foreign keys, the index, the owner.
  assert.ok(await scalar(c, `SELECT to_regclass($1) IS NOT NULL`, [`star_${m0.suffix}`]));
  assert.ok(await scalar(c, `SELECT to_regclass($1) IS NOT NULL`, [`star_${m2.suffix}`]));
  assert.equal(await column(c, `SELECT convalidated FROM pg_constraint WHERE conname IN ($1, $2) ORDER BY 1`,
    [`star_${m1.suffix}_tweet_id_fkey`, `star_${month(-1).suffix}_tweet_id_fkey`]), [true, true]);
  assert.is(await scalar(c, `SELECT relowner::regrole::text FROM pg_class WHERE oid = $1::regclass`, [`tweet_${m1.suffix}`]),
    await scalar(c, `SELECT relowner::regrole::text FROM pg_class WHERE oid = 'tweet'::regclass`));
  assert.ok(Number(await scalar(c, `SELECT count(*) FROM parting.history WHERE action = 'repaired'`)) >= 10);

  // The rest, by hand: then nothing is left.
  await c.query(`DROP TABLE tweet_2099_01`);
  await c.query(`DELETE FROM tweet_default`);
  await c.query(`SELECT parting.detach_partition('tweet', $1, 'drop')`, [month(-1).key]);
  await c.query(`UPDATE parting.settings SET drain_batch = 10000`);
  assert.equal(brief(await problems(ctx.db!)), []);
});

Check.run();

const Named = suite<{ db?: FreshDatabase }>('check: partitions maintenance would not see', {});
Named.before(async (ctx) => {
  const cfg = monthlyTweetStar({ premake: 2, initial: true });
  (cfg.models.tweet!.partition as { retention?: unknown }).retention = { keep: '2 months', action: 'detach' };
  ctx.db = await logged('install', () => installed('check_named', cfg));
});
Named.after(async (ctx) => ctx.db?.drop());

Named('a partition renamed by hand, and one past retention still attached, are reported and left', async (ctx) => {
  const c = ctx.db!.client;
  const [old, m1] = [month(-3), month(1)];
  for (const m of [old, month(-2), month(-1)]) await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [m.key]);
  await c.query(`ALTER TABLE tweet_${m1.suffix} RENAME TO tweet_next`);
  const found = await rows<Problem & { detail: string; fix: string }>(c,
    `SELECT model, partition, key, problem, repairable, detail, fix FROM parting.check() ORDER BY problem, partition`);
  // Renamed, the partition is also not where maintenance looks for next month's, and its
  // bound check and indexes no longer carry its name.
  assert.equal(brief(found), [
    'misnamed partition public.tweet_next (left)',
    'missing bound check public.tweet_next',
    'missing index public.tweet_next',
    `missing partition tweet_${m1.suffix}`,
    `past retention public.tweet_${old.suffix} (left)`,
  ]);
  const misnamed = found.find((p) => p.problem === 'misnamed partition')!;
  assert.match(misnamed.fix, `ALTER TABLE public.tweet_next RENAME TO tweet_${m1.suffix}`);
  assert.match(found.find((p) => p.problem === 'past retention')!.detail, 'older than keep (2 months)');
  // Renamed back, and retired by the next run: nothing left.
  await c.query(`ALTER TABLE tweet_next RENAME TO tweet_${m1.suffix}`);
  await c.query('CALL parting.run_maintenance()');
  assert.equal(brief(await problems(ctx.db!)), []);
  assert.equal(await column(c, `SELECT state FROM parting.partitions('tweet') WHERE key = $1`, [old.suffix]), ['detached']);
});

Named.run();
