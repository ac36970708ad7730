// A parent's key never leaves its dependents behind. An UPDATE that would move a tweet with
// stars to another partition is refused by the key guard (SQLSTATE 23001, naming the model,
// the row and parting.move_key), whatever onDelete says: PostgreSQL would move it by a DELETE
// that cascades. Without dependents the row moves as PostgreSQL moves it; inside its
// partition the key change is carried to the dependents. parting.move_key moves a row with
// its dependents down a chain, in one transaction, ids kept.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import type { FreshDatabase } from '../harness/db.js';
import { install, installed } from '../harness/install.js';
import { column, logged, month, pgError, rows, scalar } from './helpers.js';

const NOW = month(0);
const NEXT = month(1);

// a → b → c, monthly, cascading: the worst case for a silent cross-partition delete.
const chain: ConfigInput = {
  schema: 'public',
  timezone: 'UTC',
  models: {
    a: {
      columns: { id: 'bigint generated always as identity', created_at: 'timestamptz not null', note: 'text' },
      primaryKey: ['id'],
      partition: { by: 'range', column: 'created_at', interval: '1 month', premake: 2, initial: true, default: true },
    },
    b: {
      columns: { id: 'bigint generated always as identity', amount: 'integer not null default 1', doubled: 'integer generated always as (amount * 2) stored' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'a_id', references: 'a', onDelete: 'cascade' },
    },
    c: {
      columns: { id: 'bigint generated always as identity', note: 'text' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'b_id', references: 'b', onDelete: 'cascade' },
    },
  },
};

type Ctx = { db?: FreshDatabase };
const Keys = suite<Ctx>('lockstep keys: the key guard and move_key', {});
Keys.before(async (ctx) => { ctx.db = await logged('install', () => installed('lockstep_keys', chain)); });
Keys.after(async (ctx) => ctx.db?.drop());

/** One a row with two b rows, the first with two c rows; returns a's id. */
async function family(c: FreshDatabase['client'], at: string): Promise<string> {
  const a = await scalar<string>(c, `INSERT INTO a (created_at, note) VALUES ($1, 'a') RETURNING id`, [at]);
  const bs = await column<string>(c, `INSERT INTO b (a_id, a_created_at, amount) VALUES ($1, $2, 1), ($1, $2, 2) RETURNING id`, [a, at]);
  await c.query(`INSERT INTO c (b_id, b_a_created_at, note) VALUES ($1, $2, 'x'), ($1, $2, 'y')`, [bs[0], at]);
  return a;
}

const where = (c: FreshDatabase['client'], a: string) => rows(c, `
  SELECT 'a' AS m, tableoid::regclass::text AS t, created_at::text AS k FROM a WHERE id = $1
  UNION ALL SELECT 'b', tableoid::regclass::text, a_created_at::text FROM b WHERE a_id = $1
  UNION ALL SELECT 'c', c.tableoid::regclass::text, b_a_created_at::text FROM c JOIN b ON b.id = c.b_id WHERE b.a_id = $1
  ORDER BY 1, 2`, [a]);

Keys('a cross-partition UPDATE of a row with dependents is refused (23001), naming the model, the row and move_key; nothing is deleted', async (ctx) => {
  const c = ctx.db!.client;
  const a = await family(c, NOW.at(10));
  const before = await where(c, a);
  const e = await pgError(c, `UPDATE a SET created_at = $2 WHERE id = $1`, [a, NEXT.at(3)]);
  assert.is(e.code, '23001', e.message);
  assert.is(e.message, `model "a": the row id = ${a} has rows of model "b" depending on it, and its new created_at belongs to another partition`);
  assert.match(String(e.detail), /its dependents would be deleted/);
  assert.is(e.hint, `move it with its dependents: SELECT parting.move_key('a', '${a}', <new created_at>)`);
  // Into a month that has no partition of its own (the DEFAULT partition): refused too.
  assert.is((await pgError(c, `UPDATE a SET created_at = $2 WHERE id = $1`, [a, month(9).at(3)])).code, '23001');
  assert.equal(await where(c, a), before);
  // A b row with c rows is guarded too (b is c's parent); one without, changing its key alone, is refused by its foreign key.
  assert.is((await pgError(c, `UPDATE b SET a_created_at = $2 WHERE a_id = $1 AND amount = 1`, [a, NEXT.at(3)])).code, '23001');
  assert.is((await pgError(c, `UPDATE b SET a_created_at = $2 WHERE a_id = $1 AND amount = 2`, [a, NEXT.at(3)])).code, '23503');
});

Keys('without dependents a row moves as PostgreSQL moves it; inside its partition the key change reaches every level', async (ctx) => {
  const c = ctx.db!.client;
  const lone = await scalar<string>(c, `INSERT INTO a (created_at) VALUES ($1) RETURNING id`, [NOW.at(11)]);
  assert.is((await c.query(`UPDATE a SET created_at = $2 WHERE id = $1`, [lone, NEXT.at(11)])).rowCount, 1);
  assert.is(await scalar(c, `SELECT tableoid::regclass::text FROM a WHERE id = $1`, [lone]), `a_${NEXT.suffix}`);
  const a = await family(c, NOW.at(12));
  await c.query(`UPDATE a SET created_at = $2 WHERE id = $1`, [a, NOW.at(13)]);
  const moved = await where(c, a);
  assert.is(moved.length, 5);
  assert.ok(moved.every((r) => r.t === `${r.m}_${NOW.suffix}` && String(r.k).startsWith(NOW.at(13).slice(0, 10))), JSON.stringify(moved));
});

Keys('move_key moves the row and every dependent down the chain to the new partition, ids and values kept, in one statement', async (ctx) => {
  const c = ctx.db!.client;
  const a = await family(c, NOW.at(14));
  const ids = await rows(c, `SELECT b.id AS b, b.amount, b.doubled, array_agg(c.id ORDER BY c.id) AS cs FROM b LEFT JOIN c ON c.b_id = b.id
                              WHERE b.a_id = $1 GROUP BY b.id, b.amount, b.doubled ORDER BY b.id`, [a]);
  assert.is(Number(await scalar(c, `SELECT parting.move_key('a', $1, $2)`, [a, NEXT.at(2)])), 5);
  const moved = await where(c, a);
  assert.is(moved.length, 5);
  assert.ok(moved.every((r) => r.t === `${r.m}_${NEXT.suffix}`), JSON.stringify(moved));
  assert.equal(await rows(c, `SELECT b.id AS b, b.amount, b.doubled, array_agg(c.id ORDER BY c.id) AS cs FROM b LEFT JOIN c ON c.b_id = b.id
                               WHERE b.a_id = $1 GROUP BY b.id, b.amount, b.doubled ORDER BY b.id`, [a]), ids);
  assert.equal(await column(c, `SELECT count(*)::int FROM a WHERE note = 'a' AND id = $1`, [a]), [1]);
  assert.equal(await rows(c, `SELECT action, partition, detail->>'rows' AS n FROM parting.history WHERE action = 'moved' ORDER BY id DESC LIMIT 1`),
    [{ action: 'moved', partition: `public.a_${NEXT.suffix}`, n: '5' }]);
  // Back into the month it came from, and into the DEFAULT partition; inside a partition it is an UPDATE.
  assert.is(Number(await scalar(c, `SELECT parting.move_key('a', $1, $2)`, [a, month(9).at(1)])), 5);
  assert.ok((await where(c, a)).every((r) => r.t === `${r.m}_default`));
  assert.is(Number(await scalar(c, `SELECT parting.move_key('a', $1, $2)`, [a, month(9).at(2)])), 5);
  assert.ok((await where(c, a)).every((r) => r.t === `${r.m}_default` && String(r.k).startsWith(month(9).at(2).slice(0, 10))));
  assert.equal(await column(c, `SELECT problem FROM parting.check() WHERE problem <> 'rows in default'`), []);
});

Keys('move_key refuses clearly: an unknown row, a key no partition holds is named with ensure_partition', async (ctx) => {
  const c = ctx.db!.client;
  const none = await pgError(c, `SELECT parting.move_key('a', '999999', $1)`, [NOW.at(1)]);
  assert.match(none.message, /^model "a": no row with id = '999999'/);
  const bad = await pgError(c, `SELECT parting.move_key('a', '1', 'soon')`);
  assert.match(bad.message, /^model "a": the new key 'soon' is not a timestamp with time zone/);
});

Keys('the guard holds on a partition detached and attached back', async (ctx) => {
  const c = ctx.db!.client;
  const m = month(2);
  const a = await family(c, m.at(5));
  await c.query(`SELECT parting.detach_partition('a', $1)`, [m.key]);
  await c.query(`SELECT parting.attach_partition('a', $1)`, [m.key]);
  assert.is((await pgError(c, `UPDATE a SET created_at = $2 WHERE id = $1`, [a, NOW.at(5)])).code, '23001');
  assert.equal(await column(c, `SELECT count(*)::int FROM c JOIN b ON b.id = c.b_id WHERE b.a_id = $1`, [a]), [2]);
});

Keys.run();

// Archived families keep their partition foreign keys (ON UPDATE CASCADE, onDelete cascade
// here) in the archive tables: the guard is there too, made with the archive table and given
// by the install to an archive table made without one.
const archiving: ConfigInput = structuredClone(chain);
(archiving.models.a!.partition as { retention?: unknown }).retention = { keep: '10 years', action: 'archive' };
const OLD = month(-3);
const OLDER = month(-2);
const Archived = suite<Ctx & { a?: string; lone?: string }>('lockstep keys: the key guard on archive tables', {});
Archived.before(async (ctx) => {
  ctx.db = await logged('install', () => installed('lockstep_keys_archive', archiving));
  const c = ctx.db.client;
  // The month after them too: archived months at the old end leave no gap.
  for (const m of [OLD, OLDER, month(-1)]) await c.query(`SELECT parting.ensure_partition('a', $1)`, [m.key]);
  ctx.a = await family(c, OLD.at(10));
  ctx.lone = await scalar<string>(c, `INSERT INTO a (created_at) VALUES ($1) RETURNING id`, [OLD.at(11)]);
  for (const m of [OLD, OLDER]) await c.query(`SELECT parting.detach_partition('a', $1, 'archive')`, [m.key]);
});
Archived.after(async (ctx) => ctx.db?.drop());

const archivedWhere = (c: FreshDatabase['client'], a: string) => rows(c, `
  SELECT 'a' AS m, tableoid::regclass::text AS t, created_at::text AS k FROM archive.a WHERE id = $1
  UNION ALL SELECT 'b', tableoid::regclass::text, a_created_at::text FROM archive.b WHERE a_id = $1
  UNION ALL SELECT 'c', c.tableoid::regclass::text, b_a_created_at::text FROM archive.c c JOIN archive.b b ON b.id = c.b_id WHERE b.a_id = $1
  ORDER BY 1, 2`, [a]);

Archived('a cross-partition UPDATE in an archive table of a row with dependents is refused (23001); nothing is deleted', async (ctx) => {
  const c = ctx.db!.client;
  const a = ctx.a!;
  const before = await archivedWhere(c, a);
  assert.is(before.length, 5);
  assert.ok(before.every((r) => r.t === `archive.${r.m}_${OLD.suffix}`), JSON.stringify(before));
  const e = await pgError(c, `UPDATE archive.a SET created_at = $2 WHERE id = $1`, [a, OLDER.at(3)]);
  assert.is(e.code, '23001', e.message);
  assert.is(e.message, `model "a": the archived row id = ${a} has rows of model "b" depending on it, and its new created_at belongs to another partition`);
  assert.match(String(e.detail), /its dependents would be deleted/);
  assert.match(String(e.hint), /parting\.attach_partition\('a', <key>\).*parting\.move_key\('a', '\d+', <new created_at>\)/);
  // Through the archived partition itself, and into a month the archive has no partition for.
  assert.is((await pgError(c, `UPDATE archive.a_${OLD.suffix} SET created_at = $2 WHERE id = $1`, [a, OLDER.at(3)])).code, '23001');
  assert.is((await pgError(c, `UPDATE archive.a SET created_at = $2 WHERE id = $1`, [a, NOW.at(3)])).code, '23001');
  // b is c's parent: its archive table is guarded too.
  assert.is((await pgError(c, `UPDATE archive.b SET a_created_at = $2 WHERE a_id = $1 AND amount = 1`, [a, OLDER.at(3)])).code, '23001');
  assert.equal(await archivedWhere(c, a), before);
});

Archived('inside an archived partition the key change is carried to every level; without dependents a row moves', async (ctx) => {
  const c = ctx.db!.client;
  const a = ctx.a!;
  await c.query(`UPDATE archive.a SET created_at = $2 WHERE id = $1`, [a, OLD.at(13)]);
  const moved = await archivedWhere(c, a);
  assert.is(moved.length, 5);
  assert.ok(moved.every((r) => r.t === `archive.${r.m}_${OLD.suffix}` && String(r.k).startsWith(OLD.at(13).slice(0, 10))), JSON.stringify(moved));
  assert.is((await c.query(`UPDATE archive.a SET created_at = $2 WHERE id = $1`, [ctx.lone, OLDER.at(11)])).rowCount, 1);
  assert.is(await scalar(c, `SELECT tableoid::regclass::text FROM archive.a WHERE id = $1`, [ctx.lone]), `archive.a_${OLDER.suffix}`);
});

Archived('move_key refuses an archived row, naming its table and attach_partition', async (ctx) => {
  const c = ctx.db!.client;
  const e = await pgError(c, `SELECT parting.move_key('a', $1, $2)`, [ctx.a, OLDER.at(3)]);
  assert.is(e.code, '55000', e.message);
  assert.is(e.message, `model "a": the row id = '${ctx.a}' is in archive.a_${OLD.suffix}, archived: move_key moves rows of the attached partitions`);
  assert.match(String(e.hint), new RegExp(`SELECT parting\\.attach_partition\\('a', '${OLD.lower.replace('+', '\\+')}'\\)`));
  assert.is((await archivedWhere(c, ctx.a!)).length, 5);
});

Archived('an archive table made without the guard gets it from the install; Citus aside, every archive parent carries it', async (ctx) => {
  const c = ctx.db!.client;
  const guarded = () => column(c, `SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'pgpart_key_guard'
                                     AND tgrelid IN ('archive.a'::regclass, 'archive.b'::regclass, 'archive.c'::regclass) ORDER BY 1`);
  assert.equal(await guarded(), ['archive.a', 'archive.b'], 'c has no dependents');
  await c.query(`DROP TRIGGER pgpart_key_guard ON archive.a`);
  await c.query(`DROP TRIGGER pgpart_key_guard ON archive.b`);
  await install(ctx.db!.url, archiving);
  assert.equal(await guarded(), ['archive.a', 'archive.b']);
  assert.is((await pgError(c, `UPDATE archive.a SET created_at = $2 WHERE id = $1`, [ctx.a, OLDER.at(3)])).code, '23001');
  assert.equal(await column(c, `SELECT problem FROM parting.check()`), []);
});

Archived.run();
