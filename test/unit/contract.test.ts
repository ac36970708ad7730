// The vocabularies SQL and TypeScript share have one source, src/contract.ts. The change kinds
// reach SQL from it (templates/contract.sql.hbs); the words SQL writes as literals are read
// here from the runtime's source and held to it: the history CHECK of the newest migration
// that sets it, every action a routine logs, every kind a routine makes or refuses, every
// problem kind a check part reports, the notice prefix and the refusal's SQLSTATE.

import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CHANGE_KINDS, HISTORY_ACTIONS, NOTICE_PREFIX, PROBLEM_KINDS, REPAIR_OUTCOMES, SQLSTATE } from '../../src/contract.js';
import { contractFiles, migrations, runtimeFiles } from '../../src/emit/render.js';
import { codeOf } from './sql-calls.js';

const Contract = suite('contract');

const runtime = runtimeFiles();
const body = (routine: string): string => runtime.find((f) => f.routine === routine)!.body;

/** The top-level arguments of each call of `parting.<routine>(` in the runtime, comments removed. */
function callArgs(routine: string): { file: string; args: string[] }[] {
  const out: { file: string; args: string[] }[] = [];
  for (const f of runtime) {
    const source = f.body.replace(/--[^\n]*/g, '');
    // A call, not the routine's own CREATE FUNCTION.
    for (const m of source.matchAll(new RegExp(`(?<!FUNCTION )parting\\.${routine}\\(`, 'g'))) {
      const args: string[] = [];
      let depth = 0;
      let quoted = false;
      let cur = '';
      for (let i = m.index! + m[0].length; i < source.length; i++) {
        const ch = source[i]!;
        if (quoted) {
          cur += ch;
          if (ch === "'") quoted = source[i + 1] === "'" ? (cur += source[++i], true) : false;
        } else if (ch === "'") { quoted = true; cur += ch; }
        else if (ch === '(' || ch === '[') { depth++; cur += ch; }
        else if ((ch === ')' || ch === ']') && depth > 0) { depth--; cur += ch; }
        else if (ch === ')' || (ch === ',' && depth === 0)) {
          args.push(cur.trim());
          cur = '';
          if (ch === ')') break;
        } else cur += ch;
      }
      out.push({ file: f.file, args });
    }
  }
  return out;
}

/** The string literals in an SQL expression. */
const literals = (expr: string): string[] => [...expr.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));

Contract('parting.history allows exactly the actions src/contract.ts lists', () => {
  const sets = migrations().filter((m) => m.body.includes('history_action_check'));
  assert.ok(sets.length > 0, 'no migration sets history_action_check');
  const check = /history_action_check CHECK \(action IN \(([\s\S]*?)\)\)/.exec(sets.at(-1)!.body);
  assert.ok(check, `${sets.at(-1)!.file}: no CHECK (action IN (…))`);
  assert.equal(literals(check[1]!).sort(), [...HISTORY_ACTIONS].sort());
});

Contract('every action a routine logs is one of them, and every action is logged somewhere', () => {
  const logged = new Set<string>();
  // parting._log_each(models, partitions, action, …) writes _log's rows for many at once.
  const calls = [...callArgs('_log'), ...callArgs('_log_each')];
  assert.ok(calls.length >= 15, `${calls.length} calls of parting._log`);
  for (const c of calls) {
    // The words it may log: its literals, less those it only compares with (SQLSTATE = '55P03').
    const actions = literals((c.args[2] ?? '').replace(/[\w.]+\s*=\s*'[^']*'/g, ''));
    const fromStep = /v_status/.test(c.args[2] ?? '');
    assert.ok(actions.length > 0 || fromStep, `${c.file}: the action of parting._log(${c.args.join(', ')}) is not a literal`);
    for (const a of actions) {
      assert.ok((HISTORY_ACTIONS as readonly string[]).includes(a), `${c.file}: logs action '${a}', not in HISTORY_ACTIONS`);
      logged.add(a);
    }
    // A step's status, logged as its action: those of its outcomes that are not 'done' or 'more'.
    if (fromStep) for (const a of ['skipped', 'failed']) logged.add(a);
  }
  assert.equal([...HISTORY_ACTIONS].filter((a) => !logged.has(a)), [], 'actions no routine logs');
  assert.not.ok(runtime.some((f) => f.routine !== '_log' && f.routine !== '_log_each' && /INSERT INTO parting\.history/i.test(codeOf(f.body))),
    'a routine writes parting.history itself instead of through parting._log');
});

Contract('every change kind a routine makes or refuses is in CHANGE_KINDS, and the rendered kinds are all of them', () => {
  const used = new Set<string>();
  for (const c of [...callArgs('_change'), ...callArgs('_refusal')]) {
    if (c.file.endsWith('/_refusal.sql')) continue; // passes its own caller's kind on
    const kinds = literals(c.args[1] ?? '');
    assert.ok(kinds.length > 0, `${c.file}: the kind of a change is not a literal: ${c.args[1]}`);
    for (const k of kinds) {
      assert.ok(k in CHANGE_KINDS, `${c.file}: change kind '${k}' is not in CHANGE_KINDS`);
      used.add(k);
    }
  }
  assert.equal(Object.keys(CHANGE_KINDS).filter((k) => !used.has(k)), [], 'kinds no routine makes');
  const rendered = contractFiles().find((f) => f.routine === '_change_kinds')!.body;
  for (const [kind, k] of Object.entries(CHANGE_KINDS)) assert.ok(rendered.includes(`('${kind}', ${k.phase}, '${k.lock}')`), kind);
});

Contract('every problem kind has a check part that reports it, and the parts report no other', () => {
  const parts = runtime.filter((f) => f.file.startsWith('sql/runtime/check/_check_') || f.routine === 'check');
  const reported = new Set<string>();
  for (const f of parts) {
    // A problem row's fourth column: 'kind' in ROW(…)/SELECT lists, or CASE … THEN 'kind'.
    for (const m of f.body.replace(/--[^\n]*/g, '').matchAll(/(?:THEN|ELSE|,)\s*'([a-z][a-z ]*)'(?:::text)?(?=\s*(?:,|END|ELSE))/g)) {
      if ((PROBLEM_KINDS as readonly string[]).includes(m[1]!)) reported.add(m[1]!);
    }
  }
  assert.equal(PROBLEM_KINDS.filter((k) => !reported.has(k)), [], 'problem kinds no part reports');
  for (const f of parts.filter((f) => f.routine !== 'check')) {
    assert.match(f.body, /RETURNS SETOF parting\.problem/, `${f.file} returns parting.problem rows`);
  }
  const repair = body('repair');
  for (const outcome of REPAIR_OUTCOMES) assert.ok(repair.includes(`'${outcome}'`), `repair never returns '${outcome}'`);
});

Contract('the notice prefix and the refusal SQLSTATE are the ones the CLI reads', () => {
  const install = body('_install');
  assert.ok(install.includes(`RAISE NOTICE '${NOTICE_PREFIX}%'`), '_install announces each change with the notice prefix');
  assert.ok(install.includes(`ERRCODE = '${SQLSTATE.refused}'`), '_install refuses with SQLSTATE.refused');
  assert.ok(readFileSync(new URL('../../src/cli/errors.ts', import.meta.url), 'utf8').includes('SQLSTATE.refused'));
});

Contract("every pgpart SQLSTATE (PGPnn) a routine raises is in SQLSTATE, and run_maintenance's refusal in a transaction block is its own", () => {
  const codes = Object.values(SQLSTATE) as string[];
  for (const f of runtime) {
    for (const m of f.body.matchAll(/ERRCODE = '(PGP\w\w)'/g)) assert.ok(codes.includes(m[1]!), `${f.file} raises ${m[1]}, not in SQLSTATE`);
  }
  assert.ok(body('run_maintenance').includes(`ERRCODE = '${SQLSTATE.inTransactionBlock}'`));
});

Contract.run();
