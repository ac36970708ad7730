// Every PL/pgSQL function and procedure of the parting runtime passes plpgsql_check, which
// parses the SQL inside the bodies against the real catalog, so a typo in a branch no other
// test reaches still fails. Errors fail the test; warnings (all kinds, including performance
// and security) are printed, not failed. Also: every routine pins its search_path.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FreshDatabase } from '../harness/db.js';
import { suiteNeeding } from '../harness/needs.js';
import { installed } from '../harness/install.js';
import { column, logged, monthlyTweetStar, rows } from './helpers.js';

/**
 * The types a polymorphic (anyelement) parameter is checked with: those the function handles
 * by a branch of its own (partition_for: timestamptz, timestamp, date; anything else as text).
 * integer/bigint are left out: plpgsql_check also checks the dynamic `SELECT $1::timestamptz`
 * of a branch those types never reach and reports a cast error there.
 */
const ANYELEMENT_TYPES = ['timestamptz', 'timestamp', 'date', 'text'];

interface Finding {
  fn: string;
  as: string | null;
  level: string;
  lineno: number | null;
  sqlstate: string | null;
  message: string;
  detail: string | null;
  hint: string | null;
  query: string | null;
}

const Check = suiteNeeding<{ db?: FreshDatabase }>('plpgsql_check', ['plpgsql_check'], {});

Check.before(async (ctx) => {
  ctx.db = await logged('installing and creating plpgsql_check', async () => {
    const db = await installed('plpgsql_check', monthlyTweetStar({ default: true }));
    await db.client.query('CREATE EXTENSION plpgsql_check');
    return db;
  });
});
Check.after(async (ctx) => ctx.db?.drop());

Check('every parting function and procedure in PL/pgSQL has no plpgsql_check error', async (ctx) => {
  const c = ctx.db!.client;
  // A trigger function is checked against a table it is a trigger of (the key guard: tweet).
  const fns = await rows<{ oid: number; name: string; polymorphic: boolean; relid: number }>(c, `
    SELECT p.oid::int AS oid, p.oid::regprocedure::text AS name,
           'anyelement'::regtype = ANY (p.proargtypes::oid[]::regtype[]) OR p.prorettype = 'anyelement'::regtype AS polymorphic,
           coalesce((SELECT g.tgrelid FROM pg_trigger g WHERE g.tgfoid = p.oid ORDER BY g.tgrelid::regclass::text LIMIT 1), 0)::int AS relid
      FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
     WHERE p.pronamespace = 'parting'::regnamespace AND l.lanname = 'plpgsql'
     ORDER BY 2`);
  assert.ok(fns.length >= 14, `only ${fns.length} PL/pgSQL routines in parting: ${fns.map((f) => f.name).join(', ')}`);
  assert.ok(fns.some((f) => f.name.startsWith('parting._ensure_families(')));
  assert.ok(fns.some((f) => f.name.startsWith('parting._install_partitions(')), 'procedures are checked too');

  const findings: Finding[] = [];
  for (const fn of fns) {
    for (const as of fn.polymorphic ? ANYELEMENT_TYPES : [null]) {
      const found = await rows<Omit<Finding, 'fn' | 'as'>>(c, `
        SELECT level, lineno, sqlstate, message, detail, hint, query
          FROM plpgsql_check_function_tb($1::oid::regprocedure, $3::oid::regclass, fatal_errors => false, all_warnings => true,
                                         anyelememttype => coalesce($2, 'integer')::regtype)`, [fn.oid, as, fn.relid]);
      findings.push(...found.map((f) => ({ fn: fn.name, as, ...f })));
    }
  }
  const show = (f: Finding) =>
    `${f.fn}${f.as ? ` [anyelement = ${f.as}]` : ''} line ${f.lineno ?? '?'}: ${f.level}: ${f.message}` +
    `${f.detail ? ` (${f.detail})` : ''}${f.hint ? ` hint: ${f.hint}` : ''}${f.query ? `\n    query: ${f.query}` : ''}`;
  const warnings = findings.filter((f) => f.level !== 'error');
  if (warnings.length) console.log(`\nplpgsql_check warnings (not failures):\n  ${warnings.map(show).join('\n  ')}`);
  const errors = findings.filter((f) => f.level === 'error');
  assert.equal(errors.map(show), [], `plpgsql_check errors:\n  ${errors.map(show).join('\n  ')}`);
});

Check.run();

// Needs no extension: runs on every major.
const Pinned = suite<{ db?: FreshDatabase }>('search_path of the parting routines', {});
Pinned.before(async (ctx) => {
  ctx.db = await logged('installing', () => installed('pinned', monthlyTweetStar({ default: true })));
});
Pinned.after(async (ctx) => ctx.db?.drop());

Pinned('every parting routine pins search_path, but run_maintenance, which must COMMIT', async (ctx) => {
  const unpinned = await column<string>(ctx.db!.client, `
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'parting'::regnamespace
       AND NOT EXISTS (SELECT FROM unnest(p.proconfig) s WHERE s LIKE 'search\\_path=%')
     ORDER BY 1`);
  // A procedure with a SET clause cannot COMMIT; run_maintenance qualifies every name instead.
  // parting._name has no SET clause so that the planner inlines it; every name in it is
  // qualified with pg_catalog instead.
  assert.equal(unpinned, ['parting._name(text,text)', 'parting.run_maintenance(text)']);
  const name = await column<string>(ctx.db!.client, `SELECT prosrc FROM pg_proc WHERE oid = 'parting._name(text,text)'::regprocedure`);
  assert.not.match(name[0]!.replace(/pg_catalog\.\w+\(|OPERATOR\(pg_catalog\.[^)]+\)|parting\._long_name\(/g, ''), /\w\(|[<>=|+]/,
    'every function and operator in parting._name is qualified');
});


Pinned.run();
