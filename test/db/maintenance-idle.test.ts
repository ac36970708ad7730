// run_maintenance's fast exit: the families parting._due_idle finds with nothing due are not
// planned one by one. The fast test must never pass over work: wherever it calls a family
// idle, parting._due (the full plan) lists no step for it, in every state tried here (time
// keys of every unit, hours in a zone with DST, list, integer and default-partition models,
// retention with detached families past dropAfter, partitions dropped or attached by hand,
// a catch-up in progress); for the models it is meant to clear (time keys with no default
// partition, list keys) it agrees with the plan both ways. A run over idle and busy
// families together writes the same history a run planning each family would: every
// family's 'maintained' row, in model order, each after its own steps.

import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { withClients } from '../harness/db.js';
import { month, rows, scalar } from './helpers.js';
import { call, dbSuite, historySince, lastHistoryId, lines } from './maintenance-helpers.js';

const id = 'bigint generated always as identity';
type Model = ConfigInput['models'][string];
type RangeOptions = Omit<Extract<NonNullable<Model['partition']>, { by: 'range' }>, 'by' | 'column'>;
const ranged = (column: string, type: string, partition: RangeOptions): Model => ({
  columns: { id, [column]: `${type} not null` },
  primaryKey: ['id'],
  partition: { by: 'range', column, initial: true, ...partition },
});

const config = {
  schema: 'public',
  timezone: 'UTC',
  models: {
    a_month: ranged('at', 'timestamptz', { interval: '1 month', premake: 2 }),
    a_month_dep: {
      columns: { id, note: 'text' },
      primaryKey: ['id'],
      partitionForeignKey: { column: 'a_id', references: 'a_month' },
    },
    b_day: ranged('on_day', 'date', { interval: '1 day', premake: 3 }),
    c_week: ranged('at', 'timestamp', { interval: '1 week', premake: 1 }),
    d_quarter: ranged('at', 'timestamptz', { interval: '3 months', premake: 1 }),
    e_year: ranged('at', 'timestamptz', { interval: '1 year', premake: 1 }),
    // Absolute hours in a zone with DST (parting._bound's own walk), and wall-clock hours.
    f_hour: ranged('at', 'timestamptz', { interval: '1 hour', premake: 4, timezone: 'America/New_York' }),
    g_hour_wall: ranged('at', 'timestamp', { interval: '1 hour', premake: 2 }),
    h_list: { columns: { id, k: 'text not null' }, primaryKey: ['id'], partition: { by: 'list', column: 'k', initial: ['a', 'b'] } },
    i_int: ranged('n', 'bigint', { interval: 100, premake: 1 }),
    j_default: ranged('at', 'timestamptz', { interval: '1 month', premake: 1, default: true }),
    k_ret: ranged('at', 'timestamptz', { interval: '1 month', premake: 1, retention: { keep: '2 months', action: 'detach', dropAfter: '6 months' } }),
    l_ret_archive: ranged('at', 'timestamptz', { interval: '1 month', premake: 1, retention: { keep: '2 months', action: 'archive' } }),
  },
} satisfies ConfigInput;

/**
 * Models the fast test is meant to clear when nothing is due: on them it must match the plan
 * both ways (k_ret too, until it has a detached family under dropAfter: see below).
 */
const EXACT = ['a_month', 'b_day', 'c_week', 'd_quarter', 'e_year', 'f_hour', 'g_hour_wall', 'h_list', 'l_ret_archive'];

type Verdict = { model: string; idle: boolean; steps: string[]; catching: boolean };

/** Every root: whether parting._due_idle calls it idle, and the steps parting._due plans (rolled back). */
async function verdicts(c: pg.Client): Promise<Verdict[]> {
  await c.query('BEGIN');
  try {
    return await rows<Verdict>(c, `
      WITH idle AS (SELECT parting._due_idle(ARRAY(SELECT model FROM parting.config WHERE parent_model IS NULL)) AS models)
      SELECT r.model, r.model = ANY (i.models) AS idle,
             ARRAY(SELECT d.step || ' ' || d.arg FROM parting._due(r) d) AS steps,
             EXISTS (SELECT FROM parting.catch_up k WHERE k.model = r.model) AS catching
        FROM parting.config r, idle i
       WHERE r.parent_model IS NULL
       ORDER BY r.model`);
  } finally {
    await c.query('ROLLBACK');
  }
}

/** The fast test never calls a family with something due idle, and on EXACT models it agrees with the plan. */
async function agree(c: pg.Client, what: string): Promise<Map<string, Verdict>> {
  const vs = await verdicts(c);
  for (const v of vs) {
    if (v.idle) assert.equal(v.steps, [], `${what}: ${v.model} called idle, but the plan lists ${JSON.stringify(v.steps)}`);
    // A catch-up's row is ended by the plan that finds nothing left to make: until then the
    // family is planned in full.
    if (EXACT.includes(v.model) && !v.catching) {
      assert.is(v.idle, v.steps.length === 0, `${what}: ${v.model}: idle ${v.idle}, plan ${JSON.stringify(v.steps)}`);
    }
  }
  return new Map(vs.map((v) => [v.model, v]));
}

const Idle = dbSuite('run_maintenance: the fast exit for families with nothing due', 'maint_idle', config);

Idle('after a run: the time and list families are idle, the integer and default-partition ones are planned in full', async (ctx) => {
  const c = ctx.db!.client;
  await call(c);
  const v = await agree(c, 'after a run');
  // Hours can turn between the run and the check (then the plan has the new hour to make,
  // and agree() has held the fast test to it); the rest turn at UTC midnight at the soonest.
  for (const m of EXACT.filter((x) => !x.includes('hour'))) assert.ok(v.get(m)!.idle, `${m} is idle`);
  assert.ok(v.get('k_ret')!.idle, 'retention with nothing past it, no detached family: idle');
  assert.not.ok(v.get('i_int')!.idle, 'an integer key is planned');
  assert.not.ok(v.get('j_default')!.idle, 'a default partition is planned');
});

Idle('partitions dropped, detached or attached by hand, offline families, a catch-up: never idle while the plan has work', async (ctx) => {
  const c = ctx.db!.client;
  const ahead = month(2).suffix;
  // A dependent's premade partition dropped: the family is not whole.
  await c.query(`DROP TABLE a_month_dep_${ahead}`);
  let v = await agree(c, 'dependent partition dropped');
  assert.not.ok(v.get('a_month')!.idle);
  // A root's premade partition detached by hand: still there by name, but not attached.
  const day3 = `b_day_${String(await scalar(c, `SELECT to_char(now() AT TIME ZONE 'UTC' + interval '3 days', 'YYYY_MM_DD')`))}`;
  await c.query(`ALTER TABLE b_day DETACH PARTITION ${day3}`);
  v = await agree(c, 'root partition detached by hand');
  assert.not.ok(v.get('b_day')!.idle);
  await c.query(`DROP TABLE ${day3}`);
  // Old months attached below the retention cutoff: retire steps.
  await c.query(`SELECT parting.ensure_partition('k_ret', $1)`, [month(-8).key]);
  await c.query(`SELECT parting.ensure_partition('k_ret', $1)`, [month(-4).key]);
  await c.query(`SELECT parting.ensure_partition('l_ret_archive', $1)`, [month(-5).key]);
  v = await agree(c, 'partitions past retention');
  assert.not.ok(v.get('k_ret')!.idle);
  assert.not.ok(v.get('l_ret_archive')!.idle);
  // A list family detached (offline, nothing to weigh for it): still idle.
  await c.query(`SELECT parting.detach_partition('h_list', 'b')`);
  v = await agree(c, 'list family detached');
  assert.ok(v.get('h_list')!.idle);
  // A catch-up in progress, with a year left to make below the current one; with none left,
  // the plan (not the fast test) is the one to end it.
  const year = Number(await scalar(c, `SELECT extract(year FROM now() AT TIME ZONE 'UTC')`));
  await c.query(`SELECT parting.ensure_partition('e_year', $1)`, [`${year - 2}-06-01`]);
  await c.query(`INSERT INTO parting.catch_up (model, until) VALUES ('e_year', $1)`, [`${year}-01-01 00:00:00.000000+00`]);
  v = await agree(c, 'catch-up in progress');
  assert.not.ok(v.get('e_year')!.idle);
  assert.equal(v.get('e_year')!.steps, [`create ${year - 1}-01-01 00:00:00.000000+00`]);

  // One run does the work; k_ret's month -8 is detached and already past dropAfter (dropped),
  // month -4 stays detached: a detached family under dropAfter is planned in full from now on.
  await call(c);
  v = await agree(c, 'after the run');
  assert.ok(v.get('e_year')!.catching && !v.get('e_year')!.idle, 'the catch-up ends with the next plan');
  await call(c);
  v = await agree(c, 'after the next run');
  for (const m of ['a_month', 'b_day', 'l_ret_archive', 'h_list', 'e_year']) assert.ok(v.get(m)!.idle, `${m} is idle again`);
  assert.equal(await rows(c, `SELECT suffix, state FROM parting.offline WHERE model = 'k_ret' ORDER BY suffix`),
    [{ suffix: month(-4).suffix, state: 'detached' }]);
  assert.equal(await rows(c, `SELECT model FROM parting.catch_up`), [], 'the catch-up is over');
  assert.not.ok(v.get('k_ret')!.idle, 'a detached family under dropAfter is planned');
  assert.equal(v.get('k_ret')!.steps, []);
  assert.equal(await rows(c, `SELECT suffix, state FROM parting.offline WHERE model = 'l_ret_archive'`),
    [{ suffix: month(-5).suffix, state: 'archived' }]);
});

Idle('a run over idle and busy families: every family\'s maintained row, in model order, each after its own steps', async (ctx) => {
  const c = ctx.db!.client;
  await call(c);
  const ahead = month(2).suffix;
  await c.query(`DROP TABLE a_month_dep_${ahead}`);
  await c.query(`SELECT parting.ensure_partition('k_ret', $1)`, [month(-3).key]);
  const since = await lastHistoryId(c);
  await call(c);
  const h = await historySince(c, since);
  const roots = ['a_month', 'b_day', 'c_week', 'd_quarter', 'e_year', 'f_hour', 'g_hour_wall', 'h_list', 'i_int', 'j_default', 'k_ret', 'l_ret_archive'];
  // Hours may turn during the run: a created row of theirs is allowed, nothing else.
  const kept = h.filter((r) => !(r.action === 'created' && r.model.includes('hour')));
  assert.equal(lines(kept), [
    `created a_month_dep a_month_dep_${ahead}`, 'maintained a_month',
    ...roots.slice(1, 10).map((m) => `maintained ${m}`),
    `detached k_ret k_ret_${month(-3).suffix}`, 'maintained k_ret',
    'maintained l_ret_archive',
  ]);
  const detail = new Map(h.filter((r) => r.action === 'maintained').map((r) => [r.model, r.detail]));
  assert.equal(detail.get('a_month'), { 'create:done': 1 });
  assert.equal(detail.get('b_day'), {});
  assert.equal(detail.get('k_ret'), { 'retire:done': 1 });
  assert.ok(Number(await scalar(c, `SELECT count(*) FROM parting.history WHERE id > $1 AND action = 'maintained' AND duration IS NULL`, [since])) === 0,
    'every maintained row has a duration');
});

Idle('a run with nothing due compiles little on a new connection: the fast test, the guard\'s release and history pruning call no PL/pgSQL routine', async (ctx) => {
  // A new connection compiles every PL/pgSQL routine it calls (and plans each of its
  // statements): what the idle path calls besides run_maintenance and the guard's
  // _run_lock is SQL. Pruning reads historyKeep from parting.settings itself, not through
  // parting._settings (PL/pgSQL, and a composite type to look up).
  const c = ctx.db!.client;
  await call(c);
  await c.query('BEGIN');
  try {
    await c.query(`SET LOCAL track_functions = 'all'`);
    const idle = await scalar<string[]>(c, `SELECT parting._due_idle($1)`, [EXACT.filter((m) => !m.includes('ret'))]);
    assert.ok(idle.includes('f_hour') || idle.includes('g_hour_wall') || idle.includes('a_month'), 'families were cleared');
    await c.query('SELECT parting._run_unlock()');
    await c.query('SELECT parting._prune_history()');
    const called = await rows<{ proname: string; lanname: string }>(c, `
      SELECT p.proname, l.lanname
        FROM pg_stat_xact_user_functions f JOIN pg_proc p ON p.oid = f.funcid JOIN pg_language l ON l.oid = p.prolang
       ORDER BY p.proname`);
    assert.equal(called.filter((f) => f.lanname === 'plpgsql').map((f) => f.proname), [],
      `routines called: ${called.map((f) => `${f.proname} (${f.lanname})`).join(', ')}`);
  } finally {
    await c.query('ROLLBACK');
  }
});

Idle('a run with nothing due, where the server speaks English, does not call the second transaction-block probe', async (ctx) => {
  // parting._atomic_commit_message is a PL/pgSQL procedure that a new connection would
  // compile on every run: the first probe's own message already says, in English, that the
  // run may commit. It is replaced here by one that fails, so calling it fails the run.
  const c = ctx.db!.client;
  await call(c, 'a_month');
  const saved = await scalar<string>(c, `SELECT pg_get_functiondef('parting._atomic_commit_message(text)'::regprocedure)`);
  await c.query(`CREATE OR REPLACE PROCEDURE parting._atomic_commit_message(INOUT p_message text DEFAULT NULL)
                 LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
                 AS $$BEGIN RAISE EXCEPTION 'parting._atomic_commit_message was called'; END$$`);
  try {
    await withClients(ctx.db!.url, 1, async ([x]) => {
      await x!.query(`SET lc_messages = 'C'`);
      const since = await lastHistoryId(x!);
      await call(x!, 'a_month');
      assert.equal(lines(await historySince(x!, since)), ['maintained a_month']);
    });
  } finally {
    await c.query(saved);
  }
});

Idle('the run guard on a new connection reads no lock table for keys of earlier runs; a session that took one does', async (ctx) => {
  // parting._run_release lists this session's run keys in the lock table: a session that
  // never took one (every new connection, every pg_cron job) has none to let go of.
  const routines = async (x: pg.Client, sql: string): Promise<string[]> => {
    await x.query('BEGIN');
    try {
      await x.query(`SET LOCAL track_functions = 'all'`);
      await x.query(sql);
      return (await rows<{ proname: string }>(x, `
        SELECT p.proname FROM pg_stat_xact_user_functions f JOIN pg_proc p ON p.oid = f.funcid ORDER BY p.proname`)).map((r) => r.proname);
    } finally {
      await x.query('COMMIT');
    }
  };
  await withClients(ctx.db!.url, 1, async ([x]) => {
    assert.equal(await routines(x!, 'SELECT parting._run_lock()'), ['_run_key', '_run_lock'], 'a new session');
    assert.equal(await scalar(x!, 'SELECT pid FROM parting.run_guard'), await scalar(x!, 'SELECT pg_backend_pid()'), 'the guard is taken');
    await x!.query('SELECT parting._run_unlock()');
    assert.equal(await routines(x!, 'SELECT parting._run_lock()'), ['_run_key', '_run_lock', '_run_release'], 'a session that took a key before');
    await x!.query('SELECT parting._run_unlock()');
    assert.equal(await scalar(x!, `SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`), 0, 'no run key left held');
  });
});

Idle.run();
