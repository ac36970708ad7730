// No look-alike ever runs as the caller. A role with CREATE on `public` (mallory) makes a
// look-alike of every function, aggregate and operator pgpart calls (the list is derived
// from install.sql: the runtime's bodies, the migrations and the script's top level), each
// with pg_catalog's own signatures, plus closer-matching ones where pg_catalog's take any
// type, and the database's search_path puts `public` ahead of pg_catalog for every role. A
// look-alike that runs bumps a sequence of mallory's (which no rollback undoes), warns with
// its name and raises. Then the install, `pgpart plan`, `pgpart apply`, `maintain`, `status`,
// `check`, `move`, every public routine of sql/runtime/api and run_maintenance run, as the
// owner and as a superuser (the pg_cron case): the sequence is never called.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { validate } from '../../src/model/validate.js';
import { plan } from '../../src/plan/plan.js';
import { runCli, writeConfig } from '../harness/cli.js';
import { newClient, psqlFile, quoteIdent } from '../harness/db.js';
import { writeInstallSql } from '../harness/install.js';
import { roleDatabase, type RoleDatabase } from '../harness/roles.js';
import { column, logged, month, monthlyTweetStar, rows, scalar } from './helpers.js';
import { withRetention } from './maintenance-helpers.js';
import { adoptConfig, PLAIN_FAMILY } from './adopt-helpers.js';

const api = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sql/runtime/api');

const base: ConfigInput = withRetention(monthlyTweetStar({ premake: 1, initial: true, default: true }), '2 months', 'archive');
/** The same grown an index, so `pgpart apply` has a concurrent build to run after its transaction. */
const grown: ConfigInput = (() => {
  const c = structuredClone(base) as ConfigInput & { models: Record<string, { indexes?: unknown[] }> };
  c.models.tweet!.indexes = [{ columns: ['user'] }];
  return c;
})();

/**
 * Every public routine (one file each in sql/runtime/api), called as a user would, in this
 * order (detach before attach). `round` picks an older month to archive in each round.
 */
function publicCalls(round: number): Array<[string, string, unknown[]]> {
  const m0 = month(0);
  const desired = JSON.stringify(plan(validate(base)).desired);
  return [
    ['ensure_partition', `SELECT pg_catalog.count(*) FROM parting.ensure_partition('tweet')`, []],
    ['ensure_partition', `SELECT pg_catalog.count(*) FROM parting.ensure_partition('tweet', $1)`, [month(-1).key]],
    ['ensure_partition', `SELECT pg_catalog.count(*) FROM parting.ensure_partition('tweet', $1)`, [month(-4 - round).key]],
    ['partition_for', `SELECT parting.partition_for('tweet', $1::text)`, [m0.at()]],
    ['partition_for', `SELECT parting.partition_for('tweet', $1::timestamptz)`, [m0.at()]],
    ['partition_for', `SELECT parting.partition_for('tweet', $1::timestamp)`, [m0.at()]],
    ['partitions', `SELECT pg_catalog.count(*) FROM parting.partitions()`, []],
    ['partitions', `SELECT pg_catalog.count(*) FROM parting.partitions('tweet')`, []],
    ['detach_partition', `SELECT pg_catalog.count(*) FROM parting.detach_partition('tweet', $1)`, [month(-1).key]],
    ['attach_partition', `SELECT pg_catalog.count(*) FROM parting.attach_partition('tweet', $1)`, [month(-1).key]],
    ['set_tablespace', `SELECT pg_catalog.count(*) FROM parting.set_tablespace('tweet', $1, 'pg_default')`, [m0.key]],
    ['check', `SELECT pg_catalog.count(*) FROM parting.check()`, []],
    ['repair', `SELECT pg_catalog.count(*) FROM parting.repair()`, []],
    ['plan', `SELECT pg_catalog.count(*) FROM parting.plan($1::jsonb)`, [desired]],
    ['plan', `SELECT pg_catalog.count(*) FROM parting.plan($1::jsonb, 'public')`, [desired]],
    ['schedule', `SELECT parting.schedule('*/5 * * * *')`, []],
    ['unschedule', `SELECT parting.unschedule()`, []],
    ['run_maintenance', 'CALL parting.run_maintenance()', []],
    ['run_maintenance', `CALL parting.run_maintenance('tweet')`, []],
    // A tweet to move: made here (the caller's own statement, every name qualified), then moved
    // to last month's partition with its dependents.
    ['move_key', `INSERT INTO public.tweet ("user") VALUES ('to move')`, []],
    ['move_key', `SELECT parting.move_key('tweet', (SELECT pg_catalog.max(id)::text FROM public.tweet WHERE "user" OPERATOR(pg_catalog.=) 'to move'), $1)`, [month(-1).at()]],
  ];
}

/** Function names and operators install.sql calls, as written (filtered against pg_catalog by the caller). */
function callsIn(sql: string): { functions: string[]; operators: string[] } {
  const functions = new Set<string>();
  for (const m of sql.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) functions.add(m[1]!.toLowerCase());
  const operators = new Set<string>();
  const code = sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  for (const m of code.matchAll(/[+\-*/<>=~!@#%^&|?]+/g)) {
    const op = m[0]!;
    operators.add(op === '!=' ? '<>' : op);
    // `a<-b`, `x=-1`: the tokenizer splits these where an operator cannot end; so do we, roughly.
    for (let i = 1; i < op.length; i++) { operators.add(op.slice(0, i)); operators.add(op.slice(i)); }
  }
  for (const m of code.matchAll(/OPERATOR\(pg_catalog\.([^)]+)\)/g)) operators.add(m[1]!);
  return { functions: [...functions], operators: [...operators] };
}

const POLYMORPHIC = /^(anyelement|anyarray|anynonarray|anyenum|anyrange|anymultirange|anycompatible|anycompatiblearray|anycompatiblenonarray|anycompatiblerange|anycompatiblemultirange)$/;

/**
 * Makes mallory's look-alikes in `public` of the functions and operators named, with every
 * signature pg_catalog has for them (and text-typed ones where pg_catalog's take "any"), and
 * returns how many it made. Each one, run, bumps public.lookalike_ran, warns and raises.
 */
async function makeLookalikes(m: pg.Client, functions: string[], operators: string[]): Promise<{ made: number; names: string[] }> {
  await m.query('CREATE SEQUENCE public.lookalike_ran');
  await m.query('GRANT USAGE, SELECT ON SEQUENCE public.lookalike_ran TO PUBLIC');
  const body = (label: string): string => `LANGUAGE plpgsql AS $lookalike$ BEGIN
    PERFORM pg_catalog.nextval('public.lookalike_ran');
    RAISE WARNING 'lookalike ran: %', ${literal(label)};
    RAISE EXCEPTION 'lookalike ran: %', ${literal(label)};
  END $lookalike$`;
  let made = 0;
  const names: string[] = [];
  const attempt = async (sql: string, label: string): Promise<void> => {
    await m.query('SAVEPOINT l');
    try {
      await m.query(sql);
      await m.query('RELEASE SAVEPOINT l');
      made++;
      names.push(label);
    } catch {
      await m.query('ROLLBACK TO SAVEPOINT l');
    }
  };
  await m.query('BEGIN');
  const procs = await rows<{ name: string; kind: string; args: string; identity: string; result: string; rettype: string; argtypes: string[]; variadic_any: boolean }>(m, `
    SELECT p.proname::text AS name, p.prokind::text AS kind,
           pg_catalog.pg_get_function_arguments(p.oid) AS args, pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity,
           pg_catalog.pg_get_function_result(p.oid) AS result, pg_catalog.format_type(p.prorettype, NULL) AS rettype,
           ARRAY(SELECT pg_catalog.format_type(t, NULL) FROM pg_catalog.unnest(p.proargtypes::oid[]) t) AS argtypes,
           p.provariadic = 'pg_catalog.any'::pg_catalog.regtype AS variadic_any
      FROM pg_catalog.pg_proc p
     WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace AND p.proname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
       AND p.prokind IN ('f', 'a')
     ORDER BY 1, 4`, [functions]);
  const pseudo = (t: string): boolean => /^("any"|internal|cstring|trigger|event_trigger|language_handler|fdw_handler|index_am_handler|table_am_handler|tsm_handler|opaque|unknown)$/.test(t);
  let i = 0;
  for (const p of procs) {
    const types = [...p.argtypes, p.rettype];
    const fn = `public.${quoteIdent(p.name)}`;
    const sig = `${p.name}(${p.argtypes.join(', ')})`;
    if (p.kind === 'f' && !types.some(pseudo)) {
      await attempt(`CREATE FUNCTION ${fn}(${p.args}) RETURNS ${p.result} ${body(sig)}`, sig);
    } else if (p.kind === 'f' && p.variadic_any) {
      // format, concat, jsonb_build_object …: pg_catalog's takes any type; a text one matches a text call better.
      for (let n = 1; n <= 5; n++) {
        const texts = Array.from({ length: n }, () => 'text').join(', ');
        await attempt(`CREATE FUNCTION ${fn}(${texts}) RETURNS ${p.result} ${body(`${p.name}(${texts})`)}`, `${p.name}(${texts})`);
      }
    } else if (p.kind === 'a' && !types.some(pseudo)) {
      const st = p.rettype;
      const s = `public.lookalike_sfunc_${i++}`;
      const f = `public.lookalike_ffunc_${i++}`;
      const label = `${p.name}(${p.argtypes.join(', ') || '*'}) (aggregate)`;
      await attempt(`CREATE FUNCTION ${s}(${[st, ...p.argtypes].join(', ')}) RETURNS ${st} ${body(label)}`, `${label} step`);
      await attempt(`CREATE FUNCTION ${f}(${st}) RETURNS ${st} ${body(label)}`, `${label} final`);
      await attempt(`CREATE AGGREGATE ${fn}(${p.identity || '*'}) (SFUNC = ${s}, STYPE = ${st}, FINALFUNC = ${f})`, label);
    }
  }
  const ops = await rows<{ name: string; left: string | null; right: string; result: string }>(m, `
    SELECT o.oprname::text AS name,
           CASE WHEN o.oprleft OPERATOR(pg_catalog.<>) 0 THEN pg_catalog.format_type(o.oprleft, NULL) END AS left,
           pg_catalog.format_type(o.oprright, NULL) AS right, pg_catalog.format_type(o.oprresult, NULL) AS result
      FROM pg_catalog.pg_operator o
     WHERE o.oprnamespace = 'pg_catalog'::pg_catalog.regnamespace AND o.oprname OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[])
     ORDER BY 1, 2, 3`, [operators]);
  for (const o of ops) {
    if ([o.left ?? 'text', o.right, o.result].some(pseudo)) continue;
    const label = `${o.left ?? ''} ${o.name} ${o.right}`;
    const fn = `public.lookalike_op_${i++}`;
    await attempt(`CREATE FUNCTION ${fn}(${[o.left, o.right].filter((t) => t !== null).join(', ')}) RETURNS ${o.result} ${body(`operator ${label}`)}`, `operator ${label} function`);
    await attempt(`CREATE OPERATOR public.${o.name} (${o.left ? `LEFTARG = ${o.left}, ` : ''}RIGHTARG = ${o.right}, FUNCTION = ${fn})`, `operator ${label}`);
  }
  await m.query('COMMIT');
  return { made, names: names.filter((n) => !/ (step|final|function)$/.test(n)) };
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** How often a look-alike ran, read with a pinned path. */
async function ran(c: pg.Client): Promise<number> {
  const r = await rows<{ n: string; called: boolean }>(c, 'SELECT last_value AS n, is_called AS called FROM public.lookalike_ran');
  return r[0]!.called ? Number(r[0]!.n) : 0;
}

interface Ctx { db?: RoleDatabase; made?: number; names?: string[]; watcher?: pg.Client; warnings: string[] }

/** A client whose warnings (a look-alike's name) are collected. */
async function connectAs(ctx: Ctx, url: string): Promise<pg.Client> {
  const c = newClient(url);
  c.on('notice', (n) => { if (/lookalike ran/.test(n.message ?? '')) ctx.warnings.push(n.message!); });
  await c.connect();
  return c;
}

/** The whole round, run as `callerUrl`: each call must succeed with no look-alike run. */
async function everything(ctx: Ctx, who: string, callerUrl: string, installs: boolean): Promise<void> {
  const db = ctx.db!;
  const check = async (what: string): Promise<void> => {
    assert.equal(ctx.warnings, [], `${who}, ${what}: a look-alike ran`);
    assert.is(await ran(ctx.watcher!), 0, `${who}, ${what}: a look-alike ran (and its error was swallowed)`);
  };
  if (installs) {
    const r = await psqlFile(callerUrl, writeInstallSql(base));
    assert.not.match(r.stderr, /lookalike ran/, `${who}, install: ${r.stderr}`);
    assert.is(r.code, 0, r.stderr);
    await check('install');
    const again = await psqlFile(callerUrl, writeInstallSql(base));
    assert.is(again.code, 0, again.stderr);
    await check('install again');
    const file = writeConfig(grown);
    const p = await runCli(['plan', '--config', file, '--database-url', callerUrl]);
    assert.not.match(p.stderr + p.stdout, /lookalike ran/, `${who}, plan`);
    assert.is(p.code, 0, p.stderr);
    assert.match(p.stdout, /add index/);
    await check('pgpart plan');
    const a = await runCli(['apply', '--config', file, '--database-url', callerUrl]);
    assert.not.match(a.stderr + a.stdout, /lookalike ran/, `${who}, apply`);
    assert.is(a.code, 0, a.stderr);
    assert.match(a.stdout, /building after the transaction/);
    assert.match(a.stdout, /done: the database matches/);
    await check('pgpart apply');
  }
  const c = await connectAs(ctx, callerUrl);
  try {
    // The look-alikes are live in this session: an unqualified call runs them.
    const live = await c.query('SELECT now()').then(() => false, (e: Error) => /lookalike ran/.test(e.message));
    assert.ok(live, 'now() in the caller\'s session runs the look-alike');
    ctx.warnings.length = 0;
    await ctx.watcher!.query(`SELECT pg_catalog.setval('public.lookalike_ran', 1, false)`);
    const calls = publicCalls(installs ? 0 : 1);
    const routines = readdirSync(api).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort();
    assert.equal([...new Set(calls.map(([r]) => r))].sort(), routines, 'every public routine (sql/runtime/api) is called here');
    for (const [, sql, params] of calls) {
      try {
        await c.query(sql, params);
      } catch (err) {
        assert.unreachable(`${who}, ${sql}: ${(err as Error).message}`);
      }
      await check(sql);
    }
  } finally {
    await c.end();
  }
  for (const args of [['maintain'], ['status'], ['check'], ['move', 'tweet', month(0).key, 'pg_default']]) {
    const r = await runCli([...args, '--database-url', callerUrl]);
    assert.not.match(r.stderr + r.stdout, /lookalike ran/, `${who}, pgpart ${args[0]}: ${r.stdout}${r.stderr}`);
    assert.ok(r.code === 0 || (args[0] === 'check' && r.code === 1), `${who}, pgpart ${args[0]}: ${r.code} ${r.stderr}`);
    await check(`pgpart ${args[0]}`);
  }
}


/**
 * A database owned by `owner` where mallory (CREATE on public) has made her look-alikes and
 * every session looks in public first. `first` runs as the owner before any look-alike
 * exists (the application's own tables).
 */
async function setUp(ctx: Ctx, prefix: string, first?: (owner: pg.Client) => Promise<void>): Promise<void> {
  ctx.db = await logged('roles', async () => {
    const db = await roleDatabase(prefix, { mallory: 'LOGIN' });
    const admin = newClient(db.adminUrl);
    await admin.connect();
    try {
      await admin.query(`GRANT CREATE ON SCHEMA public TO ${quoteIdent(db.roles.mallory!)}`);
    } finally {
      await admin.end();
    }
    return db;
  });
  if (first) await first(await ctx.db.as('owner'));
  const sql = readFileSync(writeInstallSql(base), 'utf8');
  const { functions, operators } = callsIn(sql);
  const m = await ctx.db.as('mallory');
  const made = await makeLookalikes(m, functions, operators);
  ctx.made = made.made;
  ctx.names = made.names;
  // Every role's sessions in this database look in public first, where the look-alikes are.
  const admin = newClient(ctx.db.adminUrl);
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${quoteIdent(ctx.db.name)} SET search_path = public, pg_catalog`);
  } finally {
    await admin.end();
  }
  ctx.watcher = newClient(ctx.db.adminUrl);
  await ctx.watcher.connect();
  await ctx.watcher.query('SET search_path = pg_catalog');
}

for (const installer of ['owner', 'superuser'] as const) {
  const S = suite<Ctx>(`look-alikes of every function and operator pgpart calls, ahead of pg_catalog: none runs (${installer} installs)`, { warnings: [] });
  S.before((ctx) => setUp(ctx, `lookalike_${installer === 'owner' ? 'o' : 's'}`));
  S.after(async (ctx) => {
    await ctx.watcher?.end().catch(() => {});
    await ctx.db?.drop();
  });

  S('more than 200 look-alikes, among them set_config, current_setting, format and =', async (ctx) => {
    assert.ok(ctx.made! > 200, `${ctx.made} look-alikes`);
    for (const n of ['set_config(text, text, boolean)', 'current_setting(text)', 'format(text, text)', 'now()', 'text = text', 'text || text', 'jsonb ->> text']) {
      assert.ok(ctx.names!.some((x) => x === n || x.endsWith(n)), `a look-alike of ${n}: ${ctx.names!.filter((x) => x.includes(n.split(/[ (]/)[0]!)).join('; ')}`);
    }
  });

  S(`install, plan, apply, every public routine, run_maintenance, maintain, status and check as the ${installer}: no look-alike runs`, async (ctx) => {
    const url = installer === 'owner' ? ctx.db!.url('owner') : ctx.db!.adminUrl;
    await everything(ctx, installer, url, true);
    assert.ok(Number(await scalar(ctx.watcher!, `SELECT pg_catalog.count(*) FROM parting.history WHERE action = 'archived'`)) > 0, 'run_maintenance archived the old month');
  });

  if (installer === 'owner') {
    S('a superuser (as pg_cron runs) calls every public routine and run_maintenance of the owner\'s install: no look-alike runs', async (ctx) => {
      await everything(ctx, 'superuser', ctx.db!.adminUrl, false);
      assert.equal(await column(ctx.watcher!, `SELECT DISTINCT pg_catalog.pg_get_userbyid(c.relowner)::text FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace WHERE n.nspname OPERATOR(pg_catalog.=) 'parting'`), [ctx.db!.roles.owner]);
    });
  }

  S.run();
}

const A = suite<Ctx>('look-alikes of every function and operator pgpart calls, ahead of pg_catalog: pgpart adopt runs none', { warnings: [] });
A.before((ctx) => setUp(ctx, 'lookalike_a', async (owner) => { await owner.query(PLAIN_FAMILY); }));
A.after(async (ctx) => {
  await ctx.watcher?.end().catch(() => {});
  await ctx.db?.drop();
});

A('pgpart plan, adopt and adopt --finish of a plain family, as the owner: no look-alike runs, and the family is adopted', async (ctx) => {
  const url = ctx.db!.url('owner');
  const file = writeConfig(adoptConfig());
  for (const args of [['plan'], ['adopt', 'tweet', '--batch', '700'], ['adopt', 'tweet', '--finish']]) {
    const r = await runCli([...args, '--config', file, '--database-url', url]);
    assert.not.match(r.stderr + r.stdout, /lookalike ran/, `pgpart ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.ok(r.code === 0 || (args[0] === 'plan' && r.code === 1), `pgpart ${args.join(' ')}: ${r.code} ${r.stdout}${r.stderr}`);
    assert.is(await ran(ctx.watcher!), 0, `pgpart ${args.join(' ')}: a look-alike ran`);
  }
  assert.is(await scalar(ctx.watcher!, `SELECT c.relkind::text FROM pg_catalog.pg_class c WHERE c.oid = 'public.tweet'::pg_catalog.regclass`), 'p');
});

A.run();
