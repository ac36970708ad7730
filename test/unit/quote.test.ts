// quote.ts, the only code that turns values into SQL text. Checked with PostgreSQL's own
// parser: whatever goes in comes back out as one identifier or one constant.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ident, identList, literal, qualified } from '../../src/emit/quote.js';
import { parseSql, type Obj } from './helpers.js';

const Quote = suite('quote');

/** The target list of `SELECT <expr>`, which must be the only statement. */
async function selectTargets(sql: string): Promise<Obj[]> {
  const { stmts } = await parseSql(sql);
  assert.is(stmts.length, 1, `one statement: ${sql}`);
  const select = stmts[0]!.stmt.SelectStmt as Obj | undefined;
  assert.ok(select, `a SELECT: ${sql}`);
  return (select!.targetList as Obj[]).map((t) => t.ResTarget as Obj);
}

/** The string constant `SELECT <literal>` parses to. */
async function stringConstant(sql: string): Promise<string> {
  const targets = await selectTargets(sql);
  assert.is(targets.length, 1, `one expression: ${sql}`);
  const sval = targets[0]!.val?.A_Const?.sval?.sval;
  assert.type(sval, 'string', `a string constant: ${sql}`);
  return sval as string;
}

const NASTY = [
  "'; drop table x; --",
  "\\'; drop table x; --",
  "a'b",
  "''",
  "\\",
  'back\\slash\\',
  '$$; drop table x; $$',
  '$tag$ drop table x $tag$',
  'x"; drop table y; --',
  'line\n-- comment\nselect 1;',
  '/* open comment',
  "Ü 😀 tab\there",
  'E\'\\x27\'',
  '',
];

Quote('ident always quotes and doubles quotes', () => {
  assert.is(ident('tweet'), '"tweet"');
  assert.is(ident('user'), '"user"');
  assert.is(ident('a"b'), '"a""b"');
  assert.is(ident('Tweet'), '"Tweet"');
  assert.is(qualified('public', 'tweet'), '"public"."tweet"');
  assert.is(identList(['id', 'created_at']), '"id", "created_at"');
});

Quote('ident refuses empty names and NUL', () => {
  assert.throws(() => ident(''));
  assert.throws(() => ident('a\0b'));
});

Quote('idents come back from the parser as the same name', async () => {
  for (const name of ['a"b', 'x"; drop table y; --', 'Ü 😀', 'select', '"']) {
    const [t] = await selectTargets(`SELECT 1 AS ${ident(name)}`);
    assert.is(t!.name, name);
  }
});

Quote('literal: strings double their quotes only (standard_conforming_strings)', () => {
  assert.is(literal("it's"), "'it''s'");
  assert.is(literal('a\\b'), "'a\\b'");
  assert.is(literal(''), "''");
});

Quote('literal: numbers, booleans, null', () => {
  assert.is(literal(42), '42');
  assert.is(literal(-1.5), '-1.5');
  assert.is(literal(true), 'true');
  assert.is(literal(false), 'false');
  assert.is(literal(null), 'NULL');
  assert.is(literal(undefined), 'NULL');
});

Quote('literal: text arrays and jsonb objects', async () => {
  assert.is(literal(['a', "b'c"]), "ARRAY['a', 'b''c']::text[]");
  assert.is(literal([]), 'ARRAY[]::text[]');
  const [arr] = await selectTargets(`SELECT ${literal(['a', "b'c", '$$'])}`);
  assert.equal(arr!.val.TypeCast.arg.A_ArrayExpr.elements.map((e: Obj) => e.A_Const.sval.sval), ['a', "b'c", '$$']);

  const obj = { model: "o'brien", keys: [1, 2], nested: { q: '"\'' } };
  const [j] = await selectTargets(`SELECT ${literal(obj)}`);
  const cast = j!.val.TypeCast;
  assert.equal(cast.typeName.names.map((n: Obj) => n.String.sval), ['jsonb']);
  assert.equal(JSON.parse(cast.arg.A_Const.sval.sval), obj);
});

Quote('literal refuses NaN, Infinity and NUL', () => {
  assert.throws(() => literal(NaN));
  assert.throws(() => literal(Infinity));
  assert.throws(() => literal(-Infinity));
  assert.throws(() => literal('a\0b'));
  assert.throws(() => literal(['ok', 'a\0b']));
});

Quote('injection attempts come out as one string constant, unchanged', async () => {
  for (const s of NASTY) {
    assert.is(await stringConstant(`SELECT ${literal(s)}`), s, JSON.stringify(s));
  }
});

Quote('numbers and booleans parse back to the same constant', async () => {
  const [i, f, b, n] = await selectTargets(`SELECT ${literal(-3)}, ${literal(2.5)}, ${literal(true)}, ${literal(null)}`);
  assert.is(i!.val.A_Const.ival.ival, -3);
  assert.is(f!.val.A_Const.fval.fval, '2.5');
  assert.is(b!.val.A_Const.boolval.boolval, true);
  assert.is(n!.val.A_Const.isnull, true);
});

Quote.run();
