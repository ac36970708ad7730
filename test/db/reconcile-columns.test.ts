// Column changes reach a live database: a config that gains a column (nullable, NOT NULL
// with a default, stored generated), changes or drops a default, drops a NOT NULL, or names
// a column in drop.columns is installed over a shop with a week of rows, a detached day and
// an archived day, and the change lands on the parent, every partition, the detached table
// and the archive table with its archived partition, so that both days can still be put
// back. What would lose data or rewrite every partition is refused, and the refusal changes
// nothing. Each test builds on the one before, as a live database does.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { validate } from '../../src/model/validate.js';
import { plan } from '../../src/plan/plan.js';
import type { FreshDatabase } from '../harness/db.js';
import { column, logged, rows, scalar } from './helpers.js';
import {
  ARCHIVED, ATTACHED, DETACHED, changed, familyTables, liveShop, refused, reinstall, shop, withoutColumn,
} from './reconcile-helpers.js';

const Columns = suite<{ db?: FreshDatabase }>('reconcile: columns', {});
Columns.before(async (ctx) => {
  ctx.db = await logged('live shop', () => liveShop('reconcile_columns'));
});
Columns.after(async (ctx) => ctx.db?.drop());

/** The config after each step, cumulatively, as a live database's config evolves. */
let current: ConfigInput = shop();
const step = (change: Parameters<typeof changed>[1]): ConfigInput => (current = changed(current, change));

/** parting.plan of a config: the changes as 'change model target' lines, and the refusals. */
async function planOf(c: FreshDatabase['client'], config: ConfigInput): Promise<{ lines: string[]; locks: string[]; refused: string[] }> {
  const r = await rows<{ change: string; model: string | null; target: string; locks: string; refused: string | null }>(c,
    `SELECT change, model, target, locks, refused FROM parting.plan($1::jsonb) ORDER BY step`, [JSON.stringify(plan(validate(config)).desired)]);
  return {
    lines: r.filter((x) => !x.refused).map((x) => `${x.change} ${x.model ?? '-'} ${x.target}`),
    locks: r.filter((x) => !x.refused).map((x) => x.locks),
    refused: r.flatMap((x) => (x.refused ? [x.refused] : [])),
  };
}

Columns('the setup: a week of orders, one day detached, one archived', async (ctx) => {
  const c = ctx.db!.client;
  const states = await column<string>(c, `SELECT partition::text || ' ' || state FROM parting.partitions('orders') WHERE key IN ($1, $2) ORDER BY 1`,
    [DETACHED.suffix, ARCHIVED.suffix]);
  assert.equal(states, [`archive.orders_${ARCHIVED.suffix} archived`, `orders_${DETACHED.suffix} detached`]);
  assert.is(Number(await scalar(c, 'SELECT count(*) FROM orders')), 2 * ATTACHED.length);
  // Unchanged, the plan is empty.
  assert.equal(await planOf(c, current), { lines: [], locks: [], refused: [] });
});

Columns('a nullable column: plan names it and its lock; install puts it on all 11 tables of the family', async (ctx) => {
  const c = ctx.db!.client;
  const config = step((m) => { m.orders!.columns.coupon_code = 'text'; });
  const p = await planOf(c, config);
  assert.equal(p.lines, ['add column orders coupon_code']);
  assert.match(p.locks[0]!, /^ACCESS EXCLUSIVE on public\.orders and its 7 partition\(s\), 1 detached, 1 archived$/, p.locks[0]);
  await reinstall(ctx.db!.url, config);
  const tables = await familyTables(c, 'orders');
  assert.is(tables.length, 11, tables.join(', ')); // parent, 7 partitions (5 days and 2 ahead), detached, archive table, archived partition
  assert.equal(await withoutColumn(c, tables, 'coupon_code', 'text'), []);
  assert.equal(await withoutColumn(c, await familyTables(c, 'items'), 'coupon_code', 'text'), await familyTables(c, 'items'), 'items is another model');
  await c.query(`INSERT INTO orders (customer, total, coupon_code) VALUES ('cy', 5, 'SAVE10')`);
});

Columns('NOT NULL with a default: every existing row, detached and archived ones too, has the default', async (ctx) => {
  const c = ctx.db!.client;
  await reinstall(ctx.db!.url, step((m) => { m.orders!.columns.status = "text not null default 'new'"; }));
  assert.equal(await withoutColumn(c, await familyTables(c, 'orders'), 'status', 'text'), []);
  for (const t of ['orders', `orders_${DETACHED.suffix}`, 'archive.orders']) {
    assert.equal(await column(c, `SELECT DISTINCT status FROM ${t}`), ['new'], t);
  }
});

Columns('a stored generated column is computed in every table, detached included', async (ctx) => {
  const c = ctx.db!.client;
  const config = step((m) => { m.orders!.columns.cents = 'bigint generated always as ((total * 100)::bigint) stored'; });
  assert.match((await rows<{ detail: string }>(c, `SELECT detail FROM parting.plan($1::jsonb)`, [JSON.stringify(plan(validate(config)).desired)]))[0]!.detail,
    /stored generated: rewrites every partition/);
  await reinstall(ctx.db!.url, config);
  assert.equal(await column(c, `SELECT DISTINCT cents FROM orders_${DETACHED.suffix} ORDER BY 1`), ['1000', '2000']);
});

Columns('a default set, then dropped: on every table of the family, rows keep their values', async (ctx) => {
  const c = ctx.db!.client;
  const defaultOf = (t: string) => scalar<string | null>(c, `
    SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = $1::regclass AND a.attname = 'customer'`, [t]);
  await reinstall(ctx.db!.url, step((m) => { m.orders!.columns.customer = "text not null default 'anon'"; }));
  for (const t of await familyTables(c, 'orders')) assert.is(await defaultOf(t), "'anon'::text", t);
  await reinstall(ctx.db!.url, step((m) => { m.orders!.columns.customer = 'text not null'; }));
  for (const t of await familyTables(c, 'orders')) assert.is(await defaultOf(t), null, t);
  assert.equal(await column(c, `SELECT DISTINCT customer FROM orders_${DETACHED.suffix} ORDER BY 1`), ['ann', 'bob']);
});

Columns('NOT NULL dropped from a column: nullable everywhere', async (ctx) => {
  const c = ctx.db!.client;
  await reinstall(ctx.db!.url, step((m) => { m.orders!.columns.total = 'numeric(10,2)'; }));
  const notNull = await column<string>(c, `
    SELECT t FROM unnest($1::text[]) t JOIN pg_attribute a ON a.attrelid = t::regclass AND a.attname = 'total' WHERE a.attnotnull`,
  [await familyTables(c, 'orders')]);
  assert.equal(notNull, []);
});

Columns('refused, nothing changed: a type change, NOT NULL back on a column with rows, a NOT NULL column with no default, an identity column', async (ctx) => {
  const db = ctx.db!;
  const variant = (change: Parameters<typeof changed>[1]) => changed(current, change);
  await refused(db, variant((m) => { m.orders!.columns.total = 'numeric(12,2)'; }),
    'models.orders.columns.total is numeric(10,2) in the database, the config says numeric(12,2)', /rewrites every partition/);
  await refused(db, variant((m) => { m.orders!.columns.total = 'numeric(10,2) not null'; }),
    'models.orders.columns.total becomes NOT NULL, and public.orders has rows', /CHECK \(total IS NOT NULL\) NOT VALID/);
  await refused(db, variant((m) => { m.orders!.columns.note = 'text not null'; }),
    'models.orders.columns.note is NOT NULL without a default, and public.orders has rows');
  await refused(db, variant((m) => { m.orders!.columns.seq = 'bigint generated always as identity'; }),
    'models.orders.columns.seq: an identity or serial column cannot be added to a model that has partitions');
  // Several at once: every refusal is listed.
  const all = await refused(db, variant((m) => { m.orders!.columns.customer = 'varchar(40) not null'; m.orders!.columns.note = 'text not null'; }),
    '(2 change(s) need your decision)');
  assert.match(all, /DETAIL: {2}1\. models\.orders\.columns\.customer is text in the database, the config says character varying\(40\).*\n2\. models\.orders\.columns\.note /);
});

Columns('a column gone from the config is refused unless drop.columns names it; then it is dropped from all 11 tables', async (ctx) => {
  const db = ctx.db!;
  const c = db.client;
  const without = step((m) => { delete m.orders!.columns.coupon_code; });
  await refused(db, without, 'column public.orders.coupon_code is in the database but not in models.orders.columns',
    /list it in drop\.columns\.orders/);
  await reinstall(db.url, step((_, cfg) => { cfg.drop = { models: [], columns: { orders: ['coupon_code'] } }; }));
  assert.equal(await withoutColumn(c, await familyTables(c, 'orders'), 'coupon_code', 'text'), await familyTables(c, 'orders'));
  // The entry may stay: installing again changes nothing.
  const r = await reinstall(db.url, current);
  assert.not.match(r.stderr, /pgpart: /, 'an unchanged install makes no change');
});

Columns('both days come back with every column, and take rows written with them', async (ctx) => {
  const c = ctx.db!.client;
  assert.equal(await column(c, `SELECT p::text FROM parting.attach_partition('orders', $1) p`, [DETACHED.key]),
    [`orders_${DETACHED.suffix}`, `items_${DETACHED.suffix}`]);
  assert.equal(await column(c, `SELECT p::text FROM parting.attach_partition('orders', $1) p`, [ARCHIVED.key]),
    [`orders_${ARCHIVED.suffix}`, `items_${ARCHIVED.suffix}`]);
  await c.query(`INSERT INTO orders (customer, total, status, created_at) VALUES ('dee', 3, 'paid', $1), ('eve', 4, 'paid', $2)`,
    [DETACHED.at, ARCHIVED.at]);
  const back = await rows(c, `SELECT tableoid::regclass::text AS t, count(*)::int AS n, min(status) AS status, max(cents)::int AS cents
                                FROM orders WHERE created_at::date IN ($1::date, $2::date) GROUP BY 1 ORDER BY 1`, [DETACHED.key, ARCHIVED.key]);
  assert.equal(back, [
    { t: `orders_${DETACHED.suffix}`, n: 3, status: 'new', cents: 2000 },
    { t: `orders_${ARCHIVED.suffix}`, n: 3, status: 'new', cents: 2000 },
  ]);
});

Columns.run();
