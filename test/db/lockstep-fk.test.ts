// The partition foreign key binds the key: every table of a dependent (attached partitions,
// the DEFAULT partition, archive tables and partitions put back) references its parent's
// table of the same key over (fk column, key column), ON UPDATE CASCADE. A star whose
// tweet_created_at is not its tweet's (a client that rounded the timestamp) is refused with
// PostgreSQL's foreign key error wherever it goes; a tweet's key changed inside its month
// carries its stars along. An older install's one-column foreign keys are made again by the
// next install, after it has looked for rows they let in: `pgpart plan` and the install name
// them and the UPDATE that fixes them; check() reports them on any database.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { freshDatabase, psqlFile, serverVersionNum, type FreshDatabase } from '../harness/db.js';
import { runCli, writeConfig } from '../harness/cli.js';
import { install, installed, writeInstallSql } from '../harness/install.js';
import { column, logged, month, monthlyTweetStar, pgError, rows, scalar } from './helpers.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

function archiving(): ConfigInput {
  const c = monthlyTweetStar({ premake: 1, initial: true, default: true });
  (c.models.tweet!.partition as { retention?: unknown }).retention = { keep: '100 years', action: 'archive' };
  (c.models.star!.partitionForeignKey as { onDelete?: string }).onDelete = 'cascade';
  return c;
}

const NOW = month(0);
const AHEAD = month(5); // no partition: the DEFAULT partitions
const fkDef = (c: FreshDatabase['client'], name: string) =>
  scalar<string>(c, `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1`, [name]);

const Shape = suite<{ db?: FreshDatabase }>('lockstep foreign key: over the key column, everywhere', {});
Shape.before(async (ctx) => { ctx.db = await logged('install', () => installed('lockstep_fk', archiving())); });
Shape.after(async (ctx) => ctx.db?.drop());

Shape('attached and DEFAULT partitions: (tweet_id, tweet_created_at) → (id, created_at) ON UPDATE CASCADE; a rounded key is refused in both', async (ctx) => {
  const c = ctx.db!.client;
  assert.is(await fkDef(c, `star_${NOW.suffix}_tweet_id_fkey`),
    `FOREIGN KEY (tweet_id, tweet_created_at) REFERENCES tweet_${NOW.suffix}(id, created_at) ON UPDATE CASCADE ON DELETE CASCADE`);
  assert.is(await fkDef(c, 'star_default_tweet_id_fkey'),
    `FOREIGN KEY (tweet_id, tweet_created_at) REFERENCES tweet_default(id, created_at) ON UPDATE CASCADE ON DELETE CASCADE`);
  for (const at of [NOW.at(3), AHEAD.at(3)]) {
    const precise = at.replace(' 12:00:00', ' 12:00:00.123456');
    const id = await scalar<string>(c, `INSERT INTO tweet ("user", created_at) VALUES ('t', $1) RETURNING id`, [precise]);
    // What a JS Date makes of it: milliseconds only.
    const e = await pgError(c, `INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('s', $1, $2)`,
      [id, at.replace(' 12:00:00', ' 12:00:00.123')]);
    assert.is(e.code, '23503', e.message);
    assert.match(e.message, /star_(\d{4}_\d{2}|default)_tweet_id_fkey/);
    await c.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('s', $1, $2)`, [id, precise]);
  }
  assert.equal(await column(c, `SELECT count(*)::int FROM star s JOIN tweet t ON (t.id, t.created_at) = (s.tweet_id, s.tweet_created_at)`), [2]);
});

Shape('a tweet\'s key changed inside its partition carries its stars along (ON UPDATE CASCADE), attached and DEFAULT', async (ctx) => {
  const c = ctx.db!.client;
  for (const [from, to] of [[NOW.at(5), NOW.at(6)], [AHEAD.at(5), AHEAD.at(6)]] as const) {
    const id = await scalar<string>(c, `WITH t AS (INSERT INTO tweet ("user", created_at) VALUES ('move', $1) RETURNING id, created_at)
                                        INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'm', id, created_at FROM t RETURNING tweet_id`, [from]);
    const before = await scalar<string>(c, `SELECT tableoid::regclass::text FROM star WHERE tweet_id = $1`, [id]);
    assert.is((await c.query(`UPDATE tweet SET created_at = $2 WHERE id = $1`, [id, to])).rowCount, 1);
    assert.equal(await rows(c, `SELECT tableoid::regclass::text AS t, tweet_created_at = $2::timestamptz AS carried FROM star WHERE tweet_id = $1`, [id, to]),
      [{ t: before, carried: true }]);
  }
});

Shape('archived, and put back: the archive table\'s foreign key binds the key too', async (ctx) => {
  const c = ctx.db!.client;
  const old = month(-30);
  await c.query(`SELECT parting.ensure_partition('tweet', $1)`, [old.key]);
  const id = await scalar<string>(c, `WITH t AS (INSERT INTO tweet ("user", created_at) VALUES ('old', $1) RETURNING id, created_at)
                                      INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'o', id, created_at FROM t RETURNING tweet_id`, [old.at(2)]);
  await c.query(`SELECT parting.detach_partition('tweet', $1, 'archive')`, [old.key]);
  assert.is(await fkDef(c, `star_${old.suffix}_tweet_id_fkey`),
    `FOREIGN KEY (tweet_id, tweet_created_at) REFERENCES archive.tweet_${old.suffix}(id, created_at) ON UPDATE CASCADE ON DELETE CASCADE`);
  const inArchive = await pgError(c, `INSERT INTO archive.star (id, "user", tweet_id, tweet_created_at) VALUES (999999, 'x', $1, $2)`, [id, old.at(3)]);
  assert.is(inArchive.code, '23503', inArchive.message);
  await c.query(`SELECT parting.attach_partition('tweet', $1)`, [old.key]);
  assert.is(await fkDef(c, `star_${old.suffix}_tweet_id_fkey`),
    `FOREIGN KEY (tweet_id, tweet_created_at) REFERENCES tweet_${old.suffix}(id, created_at) ON UPDATE CASCADE ON DELETE CASCADE`);
  const back = await pgError(c, `INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('x', $1, $2)`, [id, old.at(3)]);
  assert.is(back.code, '23503', back.message);
  assert.equal(await column(c, `SELECT problem FROM parting.check() WHERE problem NOT IN ('gap', 'past retention', 'rows in default')`), []);
});

Shape('check(): a one-column foreign key (made by hand) and the rows it let in are reported; repair makes it again once they agree', async (ctx) => {
  const c = ctx.db!.client;
  const fk = `star_${NOW.suffix}_tweet_id_fkey`;
  await c.query(`ALTER TABLE star_${NOW.suffix} DROP CONSTRAINT ${fk},
                   ADD CONSTRAINT ${fk} FOREIGN KEY (tweet_id) REFERENCES tweet_${NOW.suffix} (id) ON DELETE CASCADE`);
  const id = await scalar<string>(c, `INSERT INTO tweet ("user", created_at) VALUES ('c', $1) RETURNING id`, [NOW.at(20).replace(':00+', ':00.5+')]);
  await c.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('c', $1, $2)`, [id, NOW.at(20)]);
  const problems = await rows<{ problem: string; partition: string; detail: string; fix: string }>(c,
    `SELECT problem, partition, detail, fix FROM parting.check() WHERE problem IN ('foreign key', 'mismatched keys') ORDER BY problem`);
  assert.equal(problems.map((p) => `${p.problem} ${p.partition}`), [`foreign key public.star_${NOW.suffix}`, `mismatched keys public.star_${NOW.suffix}`]);
  assert.match(problems[1]!.detail, new RegExp(`^1 row\\(s\\) carry a tweet_created_at their tweet row does not have \\(e\\.g\\. tweet_id = ${id}: `));
  assert.match(problems[1]!.fix, /^make them agree: UPDATE /);
  const failed = await rows(c, `SELECT problem, outcome FROM parting.repair() WHERE problem IN ('foreign key', 'mismatched keys') ORDER BY problem`);
  assert.equal(failed, [{ problem: 'foreign key', outcome: 'failed' }, { problem: 'mismatched keys', outcome: 'left' }]);
  await c.query(problems[1]!.fix.replace(/^make them agree: /, ''));
  assert.equal(await rows(c, `SELECT problem, outcome FROM parting.repair() WHERE outcome <> 'left'`), [{ problem: 'foreign key', outcome: 'repaired' }]);
  assert.match(await fkDef(c, fk), /^FOREIGN KEY \(tweet_id, tweet_created_at\) .* ON UPDATE CASCADE ON DELETE CASCADE$/);
  assert.equal(await column(c, `SELECT problem FROM parting.check() WHERE problem NOT IN ('gap', 'past retention', 'rows in default')`), []);
});

Shape.run();

// ── ON DELETE SET NULL: PostgreSQL 15+ names the columns it sets ───────────────

const SetNull = suite<{ db?: FreshDatabase }>('lockstep foreign key: ON DELETE SET NULL', {});
SetNull.before(async (ctx) => {
  const c = monthlyTweetStar({ premake: 1, initial: true });
  (c.models.star!.partitionForeignKey as { onDelete?: string }).onDelete = 'set null';
  ctx.db = await logged('install', () => installed('lockstep_setnull', c));
});
SetNull.after(async (ctx) => ctx.db?.drop());

SetNull('15+: SET NULL (tweet_id) over both columns, the star keeps its key; 14: the declared column alone, as it cannot name them', async (ctx) => {
  const c = ctx.db!.client;
  const def = await fkDef(c, `star_${NOW.suffix}_tweet_id_fkey`);
  if (serverVersionNum() >= 150000) {
    assert.is(def, `FOREIGN KEY (tweet_id, tweet_created_at) REFERENCES tweet_${NOW.suffix}(id, created_at) ON UPDATE CASCADE ON DELETE SET NULL (tweet_id)`);
  } else {
    assert.is(def, `FOREIGN KEY (tweet_id) REFERENCES tweet_${NOW.suffix}(id) ON UPDATE CASCADE ON DELETE SET NULL`);
  }
  const id = await scalar<string>(c, `WITH t AS (INSERT INTO tweet ("user", created_at) VALUES ('n', $1) RETURNING id, created_at)
                                      INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'n', id, created_at FROM t RETURNING tweet_id`, [NOW.at(4)]);
  await c.query(`DELETE FROM tweet WHERE id = $1`, [id]);
  assert.equal(await rows(c, `SELECT tweet_id, tweet_created_at = $1::timestamptz AS kept FROM star`, [NOW.at(4)]), [{ tweet_id: null, kept: true }]);
  assert.equal(await column(c, `SELECT problem FROM parting.check()`), []);
});

SetNull.run();

// ── upgrade: an older install's one-column foreign keys, with rows they let in ────

const upgradeConfig: ConfigInput = {
  models: {
    tweet: {
      columns: { id: 'bigint generated always as identity', user: 'text not null', created_at: 'timestamptz not null default now()' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'created_at', interval: '1 month', premake: 1, default: true },
    },
    star: {
      columns: { id: 'bigint generated always as identity', user: 'text not null' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
    },
  },
};

interface PlanJson { refused: string[]; changes: { change: string; model: string; target: string; detail: string }[] }

const Upgrade = suite<{ db?: FreshDatabase; id?: string }>('lockstep foreign key: upgrading an older install with mismatched rows', {});
Upgrade.before((ctx) => logged('setup', async () => {
  ctx.db = await freshDatabase('lockstep_upgrade');
  const old = await psqlFile(ctx.db.url, path.join(fixtures, 'rev2', 'install.sql'));
  assert.is(old.code, 0, old.stderr);
  const c = ctx.db.client;
  // What a Node client did: the tweet keeps microseconds, its star got milliseconds; the
  // old one-column foreign key let it in.
  ctx.id = await scalar<string>(c, `INSERT INTO tweet ("user", created_at) VALUES ('t', $1) RETURNING id`, [NOW.at(9).replace(':00+', ':00.123456+')]);
  await c.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('rounded', $1, $2), ('rounded', $1, $2)`,
    [ctx.id, NOW.at(9).replace(':00+', ':00.123+')]);
  await c.query(`WITH t AS (INSERT INTO tweet ("user") VALUES ('fine') RETURNING id, created_at)
                 INSERT INTO star ("user", tweet_id, tweet_created_at) SELECT 'fine', id, created_at FROM t`);
}));
Upgrade.after(async (ctx) => ctx.db?.drop());

Upgrade('pgpart plan lists the partition, how many, one of them and the UPDATE; the install refuses and changes nothing', async (ctx) => {
  const c = ctx.db!.client;
  const file = writeConfig(upgradeConfig);
  const r = await runCli(['plan', '--config', file, '--database-url', ctx.db!.url, '--json']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  const plan = JSON.parse(r.stdout) as PlanJson;
  assert.is(plan.refused.length, 1, plan.refused.join('\n'));
  assert.match(plan.refused[0]!, new RegExp(`^models\\.star\\.partitionForeignKey: 2 row\\(s\\) of public\\.star_${NOW.suffix} carry a tweet_created_at `
    + `their tweet row does not have \\(e\\.g\\. tweet_id = ${ctx.id}: tweet_created_at \\S+ \\S+, its tweet's \\S+ \\S+\\)`));
  assert.match(plan.refused[0]!, new RegExp(`install again: UPDATE public\\.star_${NOW.suffix} d SET tweet_created_at = p\\.created_at FROM public\\.tweet_${NOW.suffix} p WHERE `));
  const res = await psqlFile(ctx.db!.url, writeInstallSql(upgradeConfig));
  assert.is.not(res.code, 0);
  assert.match(res.stderr, /models\.star\.partitionForeignKey: 2 row\(s\) of public\.star_/);
  assert.match(await fkDef(c, `star_${NOW.suffix}_tweet_id_fkey`), /^FOREIGN KEY \(tweet_id\) REFERENCES/);
  // The UPDATE it names makes them agree; the install then goes through.
  await c.query(plan.refused[0]!.replace(/^.*install again: /s, ''));
  await install(ctx.db!.url, upgradeConfig);
  for (const t of [`star_${NOW.suffix}`, `star_${month(1).suffix}`, 'star_default']) {
    assert.match(await fkDef(c, `${t}_tweet_id_fkey`), /^FOREIGN KEY \(tweet_id, tweet_created_at\) REFERENCES \S+\(id, created_at\) ON UPDATE CASCADE$/, t);
  }
  assert.equal(await column(c, `SELECT count(*)::int FROM star s JOIN tweet t ON (t.id, t.created_at) = (s.tweet_id, s.tweet_created_at)`), [3]);
  assert.equal(await column(c, `SELECT problem FROM parting.check()`), []);
});

Upgrade.run();
