// The install and `pgpart plan` find the same changes in a family of 2 days as in one of
// 1,000 days (2,000 partitions of orders and items), yesterday's detached in both: nothing
// when nothing changed; when the detached day's index copy was dropped by hand, or left
// invalid (an interrupted concurrent build), a build of that copy alone (its statements and
// its lock, not one per partition); a column and an index added to the config, the column
// once on the parent and the detached table and the index on every table; a partition
// foreign key changed by hand (another ON DELETE: made again) or left NOT VALID (validated),
// that table's alone; one dropped by hand (the install leaves it to check(), which finds it
// at both sizes, and repair(), which adds it). The large family is where the set-based paths
// (the tables lacking a copy found by one query per index, the foreign keys that differ by
// one query per dependent) would show a difference from a per-partition walk, if there
// were one.
// And the skip: an install records the fingerprint of each model it found nothing to change
// in, and of each of its tables; a plan or install whose fingerprint of a model is the
// recorded one does not list that model's tables (parting._model_tables, counted with
// track_functions) and compares none of them when no table's fingerprint changed; after a
// partition was added by hand, or an index copy or foreign key dropped by hand,
// it compares that model only, and records the table changed alone (an install after one
// that changed the model compares it in full).

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { validate } from '../../src/model/validate.js';
import { plan } from '../../src/plan/plan.js';
import type { FreshDatabase } from '../harness/db.js';
import { installed } from '../harness/install.js';
import { column, logged, rows, scalar } from './helpers.js';
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

/** The partition foreign key of the items table of `d` (its name and definition). */
async function fkOf(c: FreshDatabase['client'], d: typeof YESTERDAY): Promise<{ name: string; def: string }> {
  const r = await rows<{ name: string; def: string }>(c,
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`,
    [`public.items_${d.suffix}`]);
  assert.is(r.length, 1, `items_${d.suffix} has one foreign key`);
  return r[0]!;
}

const TODAY = day(0);

Scale('a partition foreign key changed by hand (another ON DELETE): the same one re-made at both sizes, locking that table only', async (ctx) => {
  const got: Planned[] = [];
  for (const db of [ctx.small!, ctx.large!]) {
    const fk = await fkOf(db.client, TODAY);
    const other = / ON DELETE /.test(fk.def) ? fk.def.replace(/ ON DELETE [A-Z ]+$/, '') : `${fk.def} ON DELETE RESTRICT`;
    await db.client.query(`ALTER TABLE public.items_${TODAY.suffix} DROP CONSTRAINT ${fk.name}, ADD CONSTRAINT ${fk.name} ${other}`);
    got.push(await planOf(db.client, base));
  }
  const [small, large] = got as [Planned, Planned];
  assert.equal(small.lines.map((l) => l.split(' ').slice(0, 4).join(' ')), ['alter foreign key items']);
  assert.equal(large, small);
  assert.is(small.statements[0]!.length, 2, 'one ALTER TABLE and one VALIDATE');
  assert.match(small.statements[0]![0]!, `ALTER TABLE public.items_${TODAY.suffix} DROP CONSTRAINT`);
  assert.match(small.locks[0]!, 'ACCESS EXCLUSIVE');
  for (const db of [ctx.small!, ctx.large!]) {
    assert.equal(await scalar(db.client, `SELECT locks FROM parting._changes($1::jsonb, current_setting('search_path'))`,
      [JSON.stringify(plan(validate(base)).desired)]),
      [[`public.orders_${TODAY.suffix}`, 'SHARE ROW EXCLUSIVE'], [`public.items_${TODAY.suffix}`, 'ACCESS EXCLUSIVE']]);
    await reinstall(db.url, base);
    assert.equal((await planOf(db.client, base)).lines, []);
  }
});

Scale('a partition foreign key left NOT VALID by hand: the same one validated at both sizes', async (ctx) => {
  const got: Planned[] = [];
  for (const db of [ctx.small!, ctx.large!]) {
    const fk = await fkOf(db.client, TODAY);
    await db.client.query(`ALTER TABLE public.items_${TODAY.suffix} DROP CONSTRAINT ${fk.name}, ADD CONSTRAINT ${fk.name} ${fk.def} NOT VALID`);
    got.push(await planOf(db.client, base));
  }
  const [small, large] = got as [Planned, Planned];
  assert.equal(small.lines.map((l) => l.split(' ').slice(0, 4).join(' ')), ['validate foreign key items']);
  assert.equal(large, small);
  assert.equal(small.statements[0], [`ALTER TABLE public.items_${TODAY.suffix} VALIDATE CONSTRAINT ${(await fkOf(ctx.small!.client, TODAY)).name}`]);
  for (const db of [ctx.small!, ctx.large!]) {
    await reinstall(db.url, base);
    assert.equal((await planOf(db.client, base)).lines, []);
    assert.ok(await scalar(db.client, `SELECT convalidated FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`,
      [`public.items_${TODAY.suffix}`]));
  }
});

Scale('a partition foreign key dropped by hand: the same plan at both sizes, found by check() at both, added by repair()', async (ctx) => {
  const got: Planned[] = [];
  const found: string[][] = [];
  for (const db of [ctx.small!, ctx.large!]) {
    await reinstall(db.url, base); // the fingerprints recorded: the drop must not be skipped over
    const fk = await fkOf(db.client, TODAY);
    await db.client.query(`ALTER TABLE public.items_${TODAY.suffix} DROP CONSTRAINT ${fk.name}`);
    got.push(await planOf(db.client, base));
    found.push((await rows<{ problem: string; partition: string }>(db.client, `SELECT problem, partition FROM parting.check()`))
      .map((p) => `${p.problem} ${p.partition}`));
  }
  assert.equal(got[1], got[0]);
  assert.equal(found[0], [`missing foreign key public.items_${TODAY.suffix}`]);
  assert.equal(found[1], found[0]);
  for (const db of [ctx.small!, ctx.large!]) {
    await db.client.query('SELECT * FROM parting.repair()');
    assert.equal(await rows(db.client, 'SELECT problem FROM parting.check()'), []);
    assert.equal((await planOf(db.client, base)).lines, []);
  }
});

/**
 * How `pgpart plan` of `config` compared the models: how many it compared in full (listing
 * every table: parting._model_tables), how many it compared at all (in full, or only the
 * tables changed since the last install: parting._change_indexes, called for both), and its lines.
 */
async function listings(c: FreshDatabase['client'], config: ConfigInput): Promise<{ listed: number; compared: number; lines: string[] }> {
  await c.query('BEGIN');
  try {
    await c.query(`SET LOCAL track_functions = 'all'`);
    // The session's counts not yet sent to the statistics (earlier transactions' too): the difference.
    const calls = (fn: string): Promise<number> => scalar<number>(c,
      `SELECT coalesce(pg_stat_get_xact_function_calls($1::regprocedure), 0)::int`, [fn]);
    const LISTED = 'parting._model_tables(parting.config)';
    const COMPARED = 'parting._change_indexes(jsonb, parting.config, parting.config, regclass, regclass[], text[])';
    const before = [await calls(LISTED), await calls(COMPARED)];
    const p = await planOf(c, config);
    return { listed: (await calls(LISTED)) - before[0]!, compared: (await calls(COMPARED)) - before[1]!, lines: p.lines };
  } finally {
    await c.query('ROLLBACK');
  }
}

/** The table fingerprints the last install wrote in one transaction with `rel`'s (its xmin): how many, of which models. */
async function writtenWith(c: FreshDatabase['client'], rel: string): Promise<string[]> {
  return (await rows<{ model: string; n: number }>(c, `
    SELECT model, count(*)::int AS n FROM parting.table_fingerprints
     WHERE xmin = (SELECT xmin FROM parting.table_fingerprints WHERE rel = $1::regclass) GROUP BY model ORDER BY model`, [rel]))
    .map((r) => `${r.model} ${r.n}`);
}

const recordsOf = (c: FreshDatabase['client'], model: string): Promise<number> =>
  scalar<number>(c, `SELECT count(*)::int FROM parting.table_fingerprints WHERE model = $1`, [model]);

Scale('an unchanged install and plan compare no table; after a change by hand (partition added or dropped, index copy or foreign key dropped) only the tables changed', async (ctx) => {
  const far = day(400);
  for (const db of [ctx.small!, ctx.large!]) {
    const c = db.client;
    await reinstall(db.url, base);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] }, 'nothing changed since the install: both models skipped');
    const tables = await recordsOf(c, 'orders');
    assert.is(tables, await scalar<number>(c, `SELECT count(*)::int FROM parting._model_tables(parting._model('orders'))`));
    // None recorded (an older install, or builds left for `pgpart apply`): every model compared in full.
    const recorded = await scalar<unknown>(c, 'SELECT fingerprints FROM parting.meta');
    await c.query('UPDATE parting.meta SET fingerprints = NULL');
    assert.equal(await listings(c, base), { listed: 2, compared: 2, lines: [] });
    await c.query('UPDATE parting.meta SET fingerprints = $1', [JSON.stringify(recorded)]);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] });
    // Every table's record lost, and the summary with them (so every table is new to the
    // comparison, as after a family grown by hand): each compared, and all recorded again
    // (at 2,000 partitions, past 500 tables, by reading them again, not through the install's setting).
    await c.query(`DELETE FROM parting.table_fingerprints WHERE model = 'orders'`);
    await c.query(`UPDATE parting.meta SET fingerprints = jsonb_set(fingerprints, '{orders,tables}', '0')`);
    assert.equal(await listings(c, base), { listed: 0, compared: 1, lines: [] });
    await reinstall(db.url, base);
    assert.is(await recordsOf(c, 'orders'), tables);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] });
    // A model changed in the config is compared in full, the other is not.
    const other = await listings(c, changed(base, (m) => { m.orders!.columns.note = 'text'; }));
    assert.equal([other.listed, other.compared], [1, 1]);

    // A partition added by hand: orders is compared, its new table only (items: nothing of its changed).
    await c.query(`CREATE TABLE public.orders_by_hand PARTITION OF public.orders FOR VALUES FROM ('${far.key}') TO ('${day(401).key}')`);
    assert.equal(await listings(c, base), { listed: 0, compared: 1, lines: [] });
    await reinstall(db.url, base);
    assert.equal(await writtenWith(c, 'public.orders_by_hand'), ['orders 1'], 'the install recorded the new table alone');
    assert.is(await recordsOf(c, 'orders'), tables + 1);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] });
    // … renamed by hand: an attached partition's name is not what the comparison reads of it.
    await c.query(`ALTER TABLE public.orders_by_hand RENAME TO orders_renamed`);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] });
    await c.query(`ALTER TABLE public.orders_renamed RENAME TO orders_by_hand`);
    // … detached by hand: a table no parent holds, compared (its copies are found by name), not recorded as a partition.
    await c.query(`ALTER TABLE public.orders DETACH PARTITION public.orders_by_hand`);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] }, 'a table of no model: nothing of orders changed but a partition gone');
    await c.query(`ALTER TABLE public.orders ATTACH PARTITION public.orders_by_hand FOR VALUES FROM ('${far.key}') TO ('${day(401).key}')`);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] }, 'as the install left it again');
    // … dropped by hand: nothing to compare; the install forgets its fingerprint.
    await c.query(`DROP TABLE public.orders_by_hand`);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] });
    await reinstall(db.url, base);
    assert.is(await recordsOf(c, 'orders'), tables);

    // The detached day's index copy dropped by hand: that table compared, its copy built.
    await c.query(`DROP INDEX public.orders_${YESTERDAY.suffix}_customer_idx`);
    assert.equal(await listings(c, base), { listed: 0, compared: 1, lines: ['build index orders orders_customer_idx'] });
    // The install that builds it records no fingerprint of orders: the next one compares it in full, finds it whole, records it.
    await reinstall(db.url, base);
    assert.equal(await listings(c, base), { listed: 1, compared: 1, lines: [] });
    await reinstall(db.url, base);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] });

    // A partition foreign key re-made by hand as it was (a new constraint): that table of items compared, validated.
    const fk = await fkOf(c, TODAY);
    await c.query(`ALTER TABLE public.items_${TODAY.suffix} DROP CONSTRAINT ${fk.name}, ADD CONSTRAINT ${fk.name} ${fk.def} NOT VALID`);
    assert.equal(await listings(c, base), { listed: 0, compared: 1, lines: [`validate foreign key items ${(await fkTag(c))}`] });
    await reinstall(db.url, base);
    assert.equal(await listings(c, base), { listed: 1, compared: 1, lines: [] });
    await reinstall(db.url, base);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] });
    // … dropped by hand: nothing for the comparison to do (it acts on keys of another shape or
    // NOT VALID, which only a new constraint can be), so not compared; check() reports it, and
    // the key repair() adds, a new constraint, is compared once.
    await c.query(`ALTER TABLE public.items_${TODAY.suffix} DROP CONSTRAINT ${fk.name}`);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] });
    await c.query('SELECT * FROM parting.repair()');
    assert.equal(await listings(c, base), { listed: 0, compared: 1, lines: [] });
    await reinstall(db.url, base);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] });
    // A foreign key made by hand on an attached partition of a root (not a dependent): not read.
    await c.query(`ALTER TABLE public.orders_${TODAY.suffix} ADD CONSTRAINT by_hand_fk FOREIGN KEY (id, created_at) REFERENCES public.orders_${TODAY.suffix} (id, created_at)`);
    assert.equal(await listings(c, base), { listed: 0, compared: 0, lines: [] });
    await c.query(`ALTER TABLE public.orders_${TODAY.suffix} DROP CONSTRAINT by_hand_fk`);
  }
});

const fkTag = (c: FreshDatabase['client']): Promise<string> => scalar<string>(c, `SELECT fk_tag FROM parting.config WHERE model = 'items'`);

/** The config with a column and an index on it, which the last tests install. */
const next = changed(base, (m) => {
  m.orders!.columns.region = "text not null default 'eu'";
  m.orders!.indexes = [{ columns: ['customer'] }, { columns: ['region'] }];
});

Scale('a column and an index on it: the same changes at both sizes, the index copied to every partition', async (ctx) => {
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

/** parting._family_summary of `model`, as `(tables,fingerprint)`. */
const summaryOf = (c: FreshDatabase['client'], model: string): Promise<string> =>
  scalar<string>(c, `SELECT (s.tables, s.fingerprint)::text FROM parting._family_summary(parting._model($1)) s`, [model]);

Scale('a family\'s summary is the count and XOR of its tables\' fingerprints, with tables of every kind', async (ctx) => {
  const c = ctx.small!.client;
  // Besides the attached partitions and the detached day: an archived day, so the archive table too.
  const old = day(-5);
  await c.query(`SELECT parting.ensure_partition('orders', $1)`, [old.key]);
  await c.query(`SELECT parting.detach_partition('orders', $1, 'archive')`, [old.key]);
  for (const model of ['orders', 'items']) {
    assert.equal(await column<string>(c, `SELECT DISTINCT kind FROM parting._table_fingerprints(parting._model($1)) ORDER BY 1`, [model]),
      ['archive', 'archived', 'offline', 'partition'], `${model} has tables of every kind`);
    assert.is(await summaryOf(c, model),
      await scalar<string>(c, `SELECT (count(*), coalesce(bit_xor(t.fingerprint), 0))::text FROM parting._table_fingerprints(parting._model($1)) t`, [model]),
      model);
  }
  // And an install records it beside the model's fingerprint, equal to its records' count and XOR.
  await reinstall(ctx.small!.url, next);
  await reinstall(ctx.small!.url, next);
  for (const model of ['orders', 'items']) {
    const records = await scalar<string>(c,
      `SELECT (count(*), coalesce(bit_xor(fingerprint), 0))::text FROM parting.table_fingerprints WHERE model = $1`, [model]);
    assert.is(await scalar<string>(c,
      `SELECT ((fingerprints #>> ARRAY[$1, 'tables'])::bigint, (fingerprints #>> ARRAY[$1, 'summary'])::bigint)::text FROM parting.meta`, [model]),
      records, model);
    assert.is(await summaryOf(c, model), records, model);
  }
  assert.equal(await listings(c, next), { listed: 0, compared: 0, lines: [] });
});

Scale.run();
