// Model changes reach a live database: a dependent added to a parent that has partitions
// gets one for every day the parent has, attached, detached or archived alike, each with
// its foreign key to the same day's order partition; ON DELETE changes re-make every
// partition foreign key (NOT VALID, then validated); premake and other settings reach the
// config row and the partitions; a default partition comes and goes; a model gone from the
// config is refused unless drop.models names it, and then loses every table. Changing what
// partitions are built on (interval, strategy, key, time zone, the parent a dependent
// references, the primary key) is refused while partitions exist, and a model without any
// is made again instead.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, logged, pgError, rows, scalar } from './helpers.js';
import { ARCHIVED, ATTACHED, DETACHED, changed, day, familyTables, liveShop, refused, reinstall, shop } from './reconcile-helpers.js';

const Models = suite<{ db?: FreshDatabase }>('reconcile: models', {});
Models.before(async (ctx) => {
  ctx.db = await logged('live shop', () => liveShop('reconcile_models'));
});
Models.after(async (ctx) => ctx.db?.drop());

let current: ConfigInput = shop();
const step = (change: Parameters<typeof changed>[1]): ConfigInput => (current = changed(current, change));

/** Each partition of a dependent with its state and the table its foreign key references, from the catalog. */
function memberFks(c: FreshDatabase['client'], model: string) {
  return rows<{ partition: string; state: string; target: string | null; on_delete: string | null; valid: boolean | null }>(c, `
    SELECT p.partition::text, p.state, k.confrelid::regclass::text AS target,
           CASE k.confdeltype WHEN 'a' THEN 'no action' WHEN 'c' THEN 'cascade' WHEN 'r' THEN 'restrict' WHEN 'n' THEN 'set null' END AS on_delete,
           k.convalidated AS valid
      FROM parting.partitions($1) p
      LEFT JOIN pg_constraint k ON k.conrelid = p.partition AND k.contype = 'f'
     ORDER BY p.state, p.partition::text`, [model]);
}

Models('a dependent added later: a partition for every order day, in the same state, each FK to the same day', async (ctx) => {
  const db = ctx.db!;
  const c = db.client;
  await reinstall(db.url, step((m) => {
    m.refunds = {
      columns: { id: 'bigint generated always as identity', amount: 'numeric(10,2) not null' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'order_id', references: 'orders' },
    };
  }));
  const fks = await memberFks(c, 'refunds');
  const orders = await rows<{ partition: string; state: string }>(c, `SELECT partition::text, state FROM parting.partitions('orders') ORDER BY state, partition::text`);
  assert.is(fks.length, orders.length, 'one refunds partition per orders partition');
  for (const [i, f] of fks.entries()) {
    assert.is(f.state, orders[i]!.state, f.partition);
    assert.is(f.target, orders[i]!.partition, `${f.partition} references the same day`);
    assert.is(f.valid, true);
  }
  assert.ok(fks.some((f) => f.state === 'archived' && f.partition === `archive.refunds_${ARCHIVED.suffix}`));
  assert.ok(fks.some((f) => f.state === 'detached' && f.partition === `refunds_${DETACHED.suffix}`));
  // A refund for an order of an earlier day lands in that day, and a refund in the wrong day is rejected.
  const [old] = await rows<{ id: string; created_at: string }>(c, `SELECT id, created_at::text FROM orders WHERE created_at::date = $1 LIMIT 1`, [ATTACHED[0]!.key]);
  await c.query(`INSERT INTO refunds (amount, order_id, orders_created_at) VALUES (5, $1, $2)`, [old!.id, old!.created_at]);
  assert.is(await scalar(c, `SELECT tableoid::regclass::text FROM refunds`), `refunds_${ATTACHED[0]!.suffix}`);
  const e = await pgError(c, `INSERT INTO refunds (amount, order_id, orders_created_at) VALUES (5, $1, $2)`, [old!.id, ATTACHED[1]!.at]);
  assert.is(e.code, '23503');
  // The archived day comes back whole: orders, items and refunds.
  assert.equal(await column(c, `SELECT p::text FROM parting.attach_partition('orders', $1) p`, [ARCHIVED.key]),
    [`orders_${ARCHIVED.suffix}`, `items_${ARCHIVED.suffix}`, `refunds_${ARCHIVED.suffix}`]);
  await c.query(`SELECT parting.detach_partition('orders', $1, 'archive')`, [ARCHIVED.key]);
  // Maintenance makes later days for all three.
  await c.query(`SELECT parting.ensure_partition('orders', $1)`, [day(5).key]);
  assert.ok(await scalar(c, `SELECT to_regclass($1) IS NOT NULL`, [`refunds_${day(5).suffix}`]));
});

Models('onDelete changed: every partition foreign key, detached and archived ones too, re-made and valid', async (ctx) => {
  const db = ctx.db!;
  await reinstall(db.url, step((m) => { m.items!.partitionForeignKey.onDelete = 'cascade'; }));
  const fks = await memberFks(db.client, 'items');
  assert.ok(fks.length >= 9, `${fks.length} items partitions`);
  assert.equal(fks.filter((f) => f.on_delete !== 'cascade' || !f.valid), [], 'all cascade, all valid');
  // It works: deleting an order deletes its items.
  const before = Number(await scalar(db.client, `SELECT count(*) FROM items`));
  await db.client.query(`DELETE FROM orders WHERE id = (SELECT min(id) FROM orders WHERE created_at::date = $1)`, [ATTACHED[2]!.key]);
  assert.is(Number(await scalar(db.client, `SELECT count(*) FROM items`)), before - 1);
});

Models('premake raised: the config row changes and the partitions ahead are made for the whole family', async (ctx) => {
  const db = ctx.db!;
  const r = await reinstall(db.url, step((m) => { m.orders!.partition.premake = 6; }));
  assert.match(r.stderr, /pgpart: update config orders — premake: 2 → 6/);
  assert.is(await scalar(db.client, `SELECT premake FROM parting.config WHERE model = 'orders'`), 6);
  for (const t of ['orders', 'items', 'refunds']) {
    assert.ok(await scalar(db.client, `SELECT to_regclass($1) IS NOT NULL`, [`${t}_${day(6).suffix}`]), `${t} 6 days ahead`);
  }
});

Models('a default partition added, then removed while empty; removing one that holds rows is refused', async (ctx) => {
  const db = ctx.db!;
  const c = db.client;
  await reinstall(db.url, step((m) => { m.orders!.partition.default = true; }));
  assert.equal(await column(c, `SELECT partition::text FROM parting.partitions() WHERE is_default ORDER BY 1`),
    ['items_default', 'orders_default', 'refunds_default']);
  await c.query(`INSERT INTO orders (customer, total, created_at) VALUES ('far', 1, $1)`, [day(40).at]);
  await refused(db, changed(current, (m) => { m.orders!.partition.default = false; }),
    'models.orders.partition.default is false, but public.orders_default hold(s) rows');
  await c.query(`DELETE FROM orders_default`);
  await reinstall(db.url, step((m) => { m.orders!.partition.default = false; }));
  assert.equal(await column(c, `SELECT partition::text FROM parting.partitions() WHERE is_default`), []);
});

Models('refused while partitions exist: interval, strategy, key column, time zone, a dependent\'s parent, the keys, a table rename', async (ctx) => {
  const db = ctx.db!;
  await refused(db, changed(current, (m) => { m.orders!.partition.interval = '1 month'; }),
    'models.orders.partition.interval: from day to month, while public.orders has', /cannot change their bounds/, /drop\.models/);
  await refused(db, changed(current, (m) => { m.orders!.partition = { by: 'list', column: 'customer' }; }),
    'models.orders.partition.by: public.orders is partitioned by range, the config says list');
  await refused(db, changed(current, (m) => { m.orders!.columns.shipped_at = 'timestamptz not null default now()'; m.orders!.partition.column = 'shipped_at'; }),
    'models.orders: public.orders is partitioned on created_at, the config says shipped_at');
  await refused(db, changed(current, (m) => { m.orders!.partition.timezone = 'Europe/Paris'; }),
    'models.orders.partition.timezone: from UTC to Europe/Paris');
  await refused(db, changed(current, (m) => { m.orders!.unique = [['customer']]; }),
    'models.orders.primaryKey / unique: the table has p orders_pkey (id, created_at), the config wants u orders_customer_created_at_key (customer, created_at); p orders_pkey (id, created_at)');
  await refused(db, changed(current, (m) => {
    m.refunds!.partitionForeignKey = { column: 'item_id', references: 'items' };
  }), 'models.refunds.partitionForeignKey: from orders (order_id) to items (item_id)');
  await refused(db, changed(current, (m) => { m.orders!.table = 'purchases'; }),
    'models.orders.table: the model\'s table is public.orders in the database, the config says public.purchases: pgpart does not rename tables');
});

Models('a model gone from the config is refused; named in drop.models, every table of it goes, dependents first', async (ctx) => {
  const db = ctx.db!;
  const c = db.client;
  const without = changed(current, (m) => { delete m.refunds; });
  await refused(db, without, 'model "refunds" (table public.refunds,', 'list it in drop.models');
  const tables = await familyTables(c, 'refunds');
  assert.ok(tables.includes(`archive.refunds_${ARCHIVED.suffix}`) && tables.includes('archive.refunds'), tables.join(', '));
  await reinstall(db.url, step((m, cfg) => { delete m.refunds; cfg.drop = { models: ['refunds'], columns: {} }; }));
  assert.equal(await column(c, `SELECT t FROM unnest($1::text[]) t WHERE to_regclass(t) IS NOT NULL`, [tables]), [], 'all gone');
  assert.equal(await column(c, `SELECT model FROM parting.config ORDER BY 1`), ['items', 'orders']);
  assert.equal(await column(c, `SELECT count(*)::int FROM parting.offline WHERE model = 'refunds'`), [0]);
  const again = await reinstall(db.url, current);
  assert.not.match(again.stderr, /pgpart: /, 'the drop entry may stay: nothing more to do');
});

Models.run();

// A model with no partitions has no rows: what its partitions would be built on may change.
const Empty = suite<{ db?: FreshDatabase }>('reconcile: a model without partitions is made again', {});
const empty = shop((m) => { m.orders!.partition.initial = false; });
Empty.before(async (ctx) => {
  ctx.db = await logged('empty shop', () => installed('reconcile_empty', empty));
});
Empty.after(async (ctx) => ctx.db?.drop());

Empty('interval and key column changed, no partitions: the tables are made again with the new shape', async (ctx) => {
  const db = ctx.db!;
  const r = await reinstall(db.url, changed(empty, (m) => {
    m.orders!.columns.placed_at = 'timestamptz not null default now()';
    m.orders!.partition.column = 'placed_at';
    m.orders!.partition.interval = '1 month';
  }));
  assert.match(r.stderr, /pgpart: recreate model orders/);
  assert.is(await scalar(db.client, `SELECT pg_get_partkeydef('orders'::regclass)`), 'RANGE (placed_at)');
  assert.is(await scalar(db.client, `SELECT unit FROM parting.config WHERE model = 'orders'`), 'month');
  await db.client.query(`SELECT parting.ensure_partition('orders', '2030-01')`);
  assert.ok(await scalar(db.client, `SELECT to_regclass('items_2030_01') IS NOT NULL`));
});

Empty.run();
