// Index changes reach a live database: an index added to the config is made on the parent
// and on every partition, detached and archived table under pgpart's names (so a day put
// back keeps its copy), together with the column it is on when that is new too; an index
// dropped from the config goes from all of them, while an index made by hand stays; an
// index whose method changes is made again. psql -f install.sql builds the copies in its
// transaction; `pgpart apply` builds them after it, CONCURRENTLY (test/db/cli-apply.test.ts).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import type { FreshDatabase } from '../harness/db.js';
import { column, logged, scalar } from './helpers.js';
import { ARCHIVED, DETACHED, changed, familyTables, liveShop, reinstall, shop } from './reconcile-helpers.js';

const Indexes = suite<{ db?: FreshDatabase }>('reconcile: indexes', {});
Indexes.before(async (ctx) => {
  ctx.db = await logged('live shop', () => liveShop('reconcile_indexes'));
});
Indexes.after(async (ctx) => ctx.db?.drop());

let current: ConfigInput = shop();
const step = (change: Parameters<typeof changed>[1]): ConfigInput => (current = changed(current, change));

/** Per table of the family: its index on `columns` named `<table>_<tag>` (method, valid or not, attached to the parent's), or '-' if none. */
async function copies(db: FreshDatabase, tag: string): Promise<string[]> {
  return column<string>(db.client, `
    SELECT t || ': ' || coalesce((SELECT format('%s %s%s%s', am.amname, CASE WHEN x.indisvalid THEN 'valid' ELSE 'invalid' END,
                                                CASE WHEN EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = x.indexrelid) THEN ' attached' ELSE '' END,
                                                CASE WHEN c.relname = parting._name(r.relname, $2) THEN '' ELSE ' misnamed ' || c.relname END)
                                    FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am am ON am.oid = c.relam
                                    JOIN pg_class r ON r.oid = x.indrelid
                                   WHERE x.indrelid = t::regclass AND c.relname LIKE '%' || $2), '-')
      FROM unnest($1::text[]) t ORDER BY 1`, [await familyTables(db.client, 'orders'), tag]);
}

Indexes('a new column and an index on it, in one install: both on all 11 tables, copies named by pgpart and attached', async (ctx) => {
  const db = ctx.db!;
  await reinstall(db.url, step((m) => {
    m.orders!.columns.region = "text not null default 'eu'";
    m.orders!.indexes = [{ columns: ['region'] }];
  }));
  const got = await copies(db, 'region_idx');
  assert.is(got.length, 11);
  for (const line of got) {
    const [table] = line.split(': ');
    // The archive table has no indexes of its own: its partitions keep theirs.
    if (table === 'archive.orders') {
      assert.is(line, 'archive.orders: -');
      continue;
    }
    // Copies on attached partitions are attached to the parent's index; the parent's own and
    // the detached and archived tables' are not (those tables have no parent holding them).
    const attached = table !== `orders_${DETACHED.suffix}` && !table!.startsWith('archive.') && table !== 'orders';
    assert.is(line, `${table}: btree valid${attached ? ' attached' : ''}`, line);
  }
  assert.ok(await scalar(db.client, `SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_region_idx'::regclass`));
});

Indexes('the days put back bring their copies: the parent index stays valid, no copy is built twice', async (ctx) => {
  const c = ctx.db!.client;
  await c.query(`SELECT parting.attach_partition('orders', $1)`, [DETACHED.key]);
  await c.query(`SELECT parting.attach_partition('orders', $1)`, [ARCHIVED.key]);
  for (const d of [DETACHED, ARCHIVED]) {
    assert.equal(await column(c, `SELECT c.relname::text FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
                                   WHERE x.indrelid = $1::regclass AND c.relname LIKE '%region%'`, [`orders_${d.suffix}`]),
      [`orders_${d.suffix}_region_idx`], 'one copy, pgpart\'s');
  }
  assert.ok(await scalar(c, `SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_region_idx'::regclass`));
  // and out again, for the next tests
  await c.query(`SELECT parting.detach_partition('orders', $1)`, [DETACHED.key]);
  await c.query(`SELECT parting.detach_partition('orders', $1, 'archive')`, [ARCHIVED.key]);
});

Indexes('an index whose method changes is made again with it, everywhere', async (ctx) => {
  const db = ctx.db!;
  await reinstall(db.url, step((m) => { m.orders!.indexes = [{ columns: ['region'], using: 'hash' }]; }));
  for (const line of await copies(db, 'region_idx')) assert.match(line, line.startsWith('archive.orders:') ? /: -$/ : /: hash valid/, line);
});

Indexes('an index dropped from the config goes from every table; an index made by hand stays', async (ctx) => {
  const db = ctx.db!;
  const c = db.client;
  await c.query('CREATE INDEX by_hand_customer ON orders (customer)');
  await reinstall(db.url, step((m) => { m.orders!.indexes = []; }));
  for (const line of await copies(db, 'region_idx')) assert.match(line, /: -$/, line);
  assert.ok(await scalar(c, `SELECT to_regclass('by_hand_customer') IS NOT NULL`), 'the hand-made index is not pgpart\'s to drop');
  const again = await reinstall(db.url, current);
  assert.not.match(again.stderr, /pgpart: /, 'then nothing is left to change');
});

Indexes.run();
