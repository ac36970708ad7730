// The install and `pgpart plan` find the same changes in a family of 2 days as in one of
// 1,000 days (2,000 partitions of orders and items), yesterday's detached in both: nothing
// when nothing changed; when the detached day's index copy was dropped by hand, or left
// invalid (an interrupted concurrent build), a build of that copy alone (its statements and
// its lock, not one per partition); a column and an index added to the config, the column
// once on the parent and the detached table and the index on every table. The large family is where the
// set-based paths (the tables lacking a copy found by one query per index) would show a
// difference from a per-partition walk, if there were one.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { validate } from '../../src/model/validate.js';
import { plan } from '../../src/plan/plan.js';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { logged, rows, scalar } from './helpers.js';
import { changed, day, reinstall, shop } from './reconcile-helpers.js';

const LARGE_DAYS = 1000;
const YESTERDAY = day(-1);

const base: ConfigInput = shop((m) => {
  m.orders!.partition = { by: 'range', column: 'created_at', interval: '1 day', premake: 0 };
  m.orders!.indexes = [{ columns: ['customer'] }];
});

/** Makes the days from `days - 1` days ago up to yesterday, oldest first, committing every 100. */
const GROW = `
CREATE PROCEDURE pg_temp.grow(p_days integer)
LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN REVERSE p_days - 1 .. 1 LOOP
    PERFORM parting.ensure_partition('orders', to_char((now() AT TIME ZONE 'UTC')::date - i, 'YYYY-MM-DD'));
    IF i % 100 = 0 THEN
      COMMIT;
    END IF;
  END LOOP;
END $$`;

interface Planned {
  lines: string[];
  statements: string[][];
  locks: string[];
}

async function planOf(c: FreshDatabase['client'], config: ConfigInput): Promise<Planned> {
  const r = await rows<{ change: string; model: string | null; target: string; statements: string[]; locks: string; refused: string | null }>(c,
    `SELECT change, model, target, statements, locks, refused FROM parting.plan($1::jsonb) ORDER BY step`,
    [JSON.stringify(plan(validate(config)).desired)]);
  assert.equal(r.filter((x) => x.refused).map((x) => x.refused), [], 'nothing refused');
  return {
    lines: r.map((x) => `${x.change} ${x.model ?? '-'} ${x.target}`),
    statements: r.map((x) => x.statements),
    locks: r.map((x) => x.locks),
  };
}

const Scale = suite<{ small?: FreshDatabase; large?: FreshDatabase }>('reconcile at 4 and at 2,000 partitions', {});
Scale.before(async (ctx) => {
  await logged('two shops', async () => {
    ctx.small = await installed('reconcile_scale_small', base);
    ctx.large = await installed('reconcile_scale_large', base);
    for (const [db, days] of [[ctx.small, 2], [ctx.large, LARGE_DAYS]] as const) {
      await db.client.query(GROW);
      await db.client.query('CALL pg_temp.grow($1)', [days]);
      await db.client.query(`SELECT parting.detach_partition('orders', $1)`, [YESTERDAY.key]);
    }
  });
});
Scale.after(async (ctx) => {
  await ctx.small?.drop();
  await ctx.large?.drop();
});

const partitionsOf = (db: FreshDatabase, parent: string): Promise<number> =>
  scalar<number>(db.client, `SELECT count(*)::int FROM pg_inherits WHERE inhparent = $1::regclass`, [parent]);

Scale('the families are the sizes the test needs', async (ctx) => {
  assert.is(await partitionsOf(ctx.small!, 'orders'), 1);
  assert.is(await partitionsOf(ctx.large!, 'orders'), LARGE_DAYS - 1);
  assert.is(await partitionsOf(ctx.large!, 'items'), LARGE_DAYS - 1);
});

Scale('an unchanged config: no change at either size', async (ctx) => {
  assert.equal((await planOf(ctx.small!.client, base)).lines, []);
  assert.equal((await planOf(ctx.large!.client, base)).lines, []);
});

Scale('the detached day\'s index copy dropped by hand: the same one build at both sizes, locking that table only', async (ctx) => {
  const copy = `orders_${YESTERDAY.suffix}_customer_idx`;
  const got: Planned[] = [];
  for (const db of [ctx.small!, ctx.large!]) {
    await db.client.query(`DROP INDEX public.${copy}`);
    got.push(await planOf(db.client, base));
  }
  const [small, large] = got as [Planned, Planned];
  assert.equal(small.lines, ['build index orders orders_customer_idx']);
  assert.equal(large, small);
  assert.equal(small.statements[0], [`CREATE INDEX ${copy} ON public.orders_${YESTERDAY.suffix} USING btree (customer)`]);
  // The locks its build takes in the install's transaction: that table's.
  for (const db of [ctx.small!, ctx.large!]) {
    assert.equal(await scalar(db.client, `SELECT inline_locks FROM parting._changes($1::jsonb, current_setting('search_path'))`,
      [JSON.stringify(plan(validate(base)).desired)]), [[`public.orders_${YESTERDAY.suffix}`, 'SHARE']]);
  }
  // The install builds it, and then finds nothing more.
  for (const db of [ctx.small!, ctx.large!]) {
    await reinstall(db.url, base);
    assert.equal((await planOf(db.client, base)).lines, []);
    assert.ok(await scalar(db.client, `SELECT indisvalid FROM pg_index WHERE indexrelid = $1::regclass`, [`public.${copy}`]));
  }
});

Scale('the detached day\'s copy left invalid (an interrupted concurrent build): dropped and built again, at both sizes', async (ctx) => {
  const copy = `orders_${YESTERDAY.suffix}_customer_idx`;
  const got: Planned[] = [];
  for (const db of [ctx.small!, ctx.large!]) {
    await db.client.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = $1::regclass`, [`public.${copy}`]);
    got.push(await planOf(db.client, base));
  }
  const [small, large] = got as [Planned, Planned];
  assert.equal(small.lines, ['build index orders orders_customer_idx']);
  assert.equal(large, small);
  assert.equal(small.statements[0]![0], `DROP INDEX IF EXISTS public.${copy}`);
  for (const db of [ctx.small!, ctx.large!]) {
    await reinstall(db.url, base);
    assert.equal((await planOf(db.client, base)).lines, []);
  }
});

Scale('a column and an index on it: the same changes at both sizes, the index copied to every partition', async (ctx) => {
  const next = changed(base, (m) => {
    m.orders!.columns.region = "text not null default 'eu'";
    m.orders!.indexes = [{ columns: ['customer'] }, { columns: ['region'] }];
  });
  const small = await planOf(ctx.small!.client, next);
  const large = await planOf(ctx.large!.client, next);
  assert.equal(small.lines, ['add column orders region', 'add index orders orders_region_idx', 'update config orders orders']);
  assert.equal(large.lines, small.lines);
  // The column: one statement on the parent, whatever the size.
  assert.equal(large.statements[0], small.statements[0]);
  // The index: ON ONLY the parent, then a build and an attach per partition.
  assert.is(small.statements[1]!.length, 1 + 2 * 1 + 1);
  assert.is(large.statements[1]!.length, 1 + 2 * (LARGE_DAYS - 1) + 1);
  for (const db of [ctx.small!, ctx.large!]) {
    await reinstall(db.url, next);
    assert.equal((await planOf(db.client, next)).lines, []);
    assert.is(await scalar<number>(db.client, `
      SELECT count(*)::int FROM pg_inherits i
       WHERE i.inhparent = 'public.orders_region_idx'::regclass`), await partitionsOf(db, 'orders'));
  }
});

Scale.run();
