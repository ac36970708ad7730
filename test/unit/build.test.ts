// build(): the whole install.sql, checked with PostgreSQL's parser (libpg-query) and
// for what psql would do with it.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as libpgQuery from 'libpg-query';
import { build } from '../../src/build.js';
import { buildFromFile } from '../../src/cli/build.js';
import { validate } from '../../src/model/validate.js';
import { plan } from '../../src/plan/plan.js';
import { migrations } from '../../src/emit/render.js';
import { defElem, kindOf, loadConfig, parseSql, repoRoot, type Obj, type ParseResult } from './helpers.js';

const Build = suite<{ config?: unknown; sql?: string; parsed?: ParseResult }>('build', {});

Build.before(async (ctx) => {
  try {
    ctx.config = await loadConfig('examples/pgpart.config.ts');
    ctx.sql = build(ctx.config, { source: 'examples/pgpart.config.ts' });
    ctx.parsed = await parseSql(ctx.sql);
  } catch (err) {
    console.error(err); // uvu hides errors thrown by hooks
    throw err;
  }
});

/** The source text of each parsed statement (locations are UTF-8 byte offsets). */
function statementTexts(sql: string, parsed: ParseResult): string[] {
  const buf = Buffer.from(sql, 'utf8');
  return parsed.stmts.map((s) => {
    const start = s.stmt_location ?? 0;
    return buf.subarray(start, s.stmt_len ? start + s.stmt_len : buf.length).toString('utf8');
  });
}

/** Function, procedure and DO bodies: their language and their text. */
function bodies(parsed: ParseResult, texts: string[]): { what: string; language: string; body: string; statement: string }[] {
  const out: { what: string; language: string; body: string; statement: string }[] = [];
  parsed.stmts.forEach((s, i) => {
    const fn = s.stmt.CreateFunctionStmt as Obj | undefined;
    if (fn) {
      const name = fn.funcname.map((n: Obj) => n.String.sval).join('.');
      out.push({
        what: name,
        language: defElem(fn.options, 'language')?.arg.String.sval,
        body: defElem(fn.options, 'as')?.arg.List.items[0].String.sval,
        statement: texts[i]!,
      });
    }
    const doStmt = s.stmt.DoStmt as Obj | undefined;
    if (doStmt) {
      out.push({ what: `DO block #${i}`, language: defElem(doStmt.args, 'language')?.arg.String.sval ?? 'plpgsql', body: defElem(doStmt.args, 'as')!.arg.String.sval, statement: texts[i]! });
    }
  });
  return out;
}

/**
 * Offsets of backslashes psql would read as the start of a meta-command: those outside
 * string literals, quoted identifiers, dollar quotes and comments. (`\! cmd` runs a shell
 * command, wherever on a line it appears.)
 */
function unquotedBackslashes(sql: string): number[] {
  const found: number[] = [];
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    const rest = sql.slice(i, i + 2);
    if (rest === '--') i = sql.indexOf('\n', i) < 0 ? sql.length : sql.indexOf('\n', i);
    else if (rest === '/*') i = sql.indexOf('*/', i + 2) < 0 ? sql.length : sql.indexOf('*/', i + 2) + 1;
    else if (ch === "'") {
      const escapes = /[eE]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? '');
      for (i++; i < sql.length; i++) {
        if (escapes && sql[i] === '\\') i++;
        else if (sql[i] === "'" && sql[i + 1] === "'") i++;
        else if (sql[i] === "'") break;
      }
    } else if (ch === '"') i = sql.indexOf('"', i + 1) < 0 ? sql.length : sql.indexOf('"', i + 1);
    else if (ch === '$' && !/\w/.test(sql[i - 1] ?? '')) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end < 0 ? sql.length : end + tag.length - 1;
      }
    } else if (ch === '\\') found.push(i);
  }
  return found;
}

Build('the whole example script parses', (ctx) => {
  assert.ok(ctx.parsed!.stmts.length > 20, `${ctx.parsed!.stmts.length} statements`);
  const kinds = new Set(ctx.parsed!.stmts.map(kindOf));
  for (const k of ['CreateFunctionStmt', 'DoStmt', 'CallStmt']) assert.ok(kinds.has(k), `no ${k} in ${[...kinds]}`);
});

Build('each migration of the parting schema rides in its own guarded DO block, and its body parses', async (ctx) => {
  const sql = ctx.sql!;
  const found = [...sql.matchAll(/IF pg_catalog\.current_setting\('pgpart\.installed_revision'\)::integer < (\d+) THEN\n(?:(?!\$pgpart_migration\$)[\s\S])*?EXECUTE \$(pgpart_migration_\d{4})\$([\s\S]*?)\$\2\$;/g)];
  assert.equal(found.map((m) => Number(m[1])), migrations().map((m) => m.number), 'one block per migration, in order');
  for (const [i, m] of found.entries()) {
    assert.is(m[3], migrations()[i]!.body, `${migrations()[i]!.file} is carried verbatim`);
    assert.ok((await parseSql(m[3]!)).stmts.length >= 1, `${migrations()[i]!.file} parses`);
  }
  const first = (await parseSql(found[0]![3]!)).stmts.map(kindOf);
  assert.ok(first.includes('CreateSchemaStmt') && first.includes('CreateStmt'), `the first migration makes the schema and tables: ${first}`);
});

Build('function and DO bodies: SQL bodies parse, PL/pgSQL bodies are blocks (or parse, when libpg-query can)', async (ctx) => {
  const all = bodies(ctx.parsed!, statementTexts(ctx.sql!, ctx.parsed!));
  assert.ok(all.length >= 10, `${all.length} bodies`);
  // libpg-query 17.7.4 (WASM) has no PL/pgSQL parser; later builds export parsePlPgSQL.
  const lib = libpgQuery as unknown as Record<string, unknown>;
  const parsePl = (lib.parsePlPgSQLSync ?? lib.parsePlPgSQL) as ((sql: string) => unknown) | undefined;
  for (const f of all) {
    assert.type(f.body, 'string', `${f.what}: no body`);
    if (f.language === 'sql') {
      assert.ok((await parseSql(f.body)).stmts.length >= 1, `${f.what}: empty SQL body`);
    } else {
      assert.is(f.language, 'plpgsql', f.what);
      const code = f.body.replace(/--[^\n]*/g, '').trim();
      assert.match(code, /^(DECLARE\b[\s\S]*)?BEGIN\b[\s\S]*\bEND\s*;?$/i, `${f.what}: not a PL/pgSQL block`);
      if (parsePl && !f.what.startsWith('DO')) parsePl(f.statement);
    }
  }
});

Build('starts with BEGIN and ends with COMMIT; transaction: false leaves both out', async (ctx) => {
  const stmts = ctx.parsed!.stmts;
  assert.is(stmts[0]!.stmt.TransactionStmt?.kind, 'TRANS_STMT_BEGIN');
  assert.is(stmts.at(-1)!.stmt.TransactionStmt?.kind, 'TRANS_STMT_COMMIT');
  assert.is(stmts.filter((s) => kindOf(s) === 'TransactionStmt').length, 2);

  const bare = await parseSql(build(ctx.config, { transaction: false }));
  assert.is(bare.stmts.filter((s) => kindOf(s) === 'TransactionStmt').length, 0);
  assert.is(bare.stmts.length, stmts.length - 2);
});

Build('deterministic: two builds are byte-identical', async (ctx) => {
  assert.is(build(ctx.config, { source: 'examples/pgpart.config.ts' }), ctx.sql);
  const fromFile = await buildFromFile('examples/pgpart.config.ts', true, repoRoot);
  assert.is(fromFile, ctx.sql, 'the CLI path gives the same script');
});

Build('header: version, sha256 config hash, source, and the notes as "-- note:" lines before BEGIN', (ctx) => {
  const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const lines = ctx.sql!.split('\n');
  assert.ok(lines[0]!.startsWith(`-- pgpart ${version} install script`), lines[0]);
  const header = lines.slice(0, lines.indexOf('BEGIN;'));
  assert.ok(header.length > 0 && header.every((l) => l.startsWith('--')), 'only comments before BEGIN');
  assert.match(header.join('\n'), /from examples\/pgpart\.config\.ts\b/);
  assert.match(header.join('\n'), /Config hash: sha256:[0-9a-f]{64}$/m);
  const notes = plan(validate(ctx.config)).notes;
  assert.ok(notes.length >= 3, 'the example has notes');
  assert.equal(header.filter((l) => l.startsWith('-- note: ')), notes.map((n) => `-- note: ${n}`));
});

Build('the config hash follows the config, not the file name', (ctx) => {
  const hashOf = (sql: string) => /sha256:[0-9a-f]{64}/.exec(sql)![0];
  const changed = structuredClone(ctx.config) as Obj;
  changed.models.tweet.partition.premake = 3;
  assert.is.not(hashOf(build(changed)), hashOf(ctx.sql!));
  assert.is(hashOf(build(ctx.config, { source: 'elsewhere.ts' })), hashOf(ctx.sql!));
  // The hash recorded in parting.meta is the one in the header.
  assert.ok(ctx.sql!.includes(`'${hashOf(ctx.sql!)}'`), 'hash recorded in parting.meta');
});

Build('stdout-safe: nothing psql would read as a meta-command', (ctx) => {
  const sql = ctx.sql!;
  assert.equal(sql.split('\n').filter((l) => /^\s*\\/.test(l)), [], 'lines starting with a backslash');
  const at = unquotedBackslashes(sql).map((i) => sql.slice(Math.max(0, i - 30), i + 30));
  assert.equal(at, [], 'backslashes outside quotes');
  // The checker itself: it sees a meta-command mid-line, and ignores quoted backslashes.
  assert.is(unquotedBackslashes("select '\\d', $x$ \\q $x$, \"a\\b\" -- \\q\n/* \\q */ \\! ls").length, 1);
});

Build('every fixture config builds into a script that parses', async () => {
  for (const name of ['seed-month', 'seed-list', 'chain']) {
    const sql = await buildFromFile(`test/fixtures/${name}.config.ts`, true, repoRoot);
    const { stmts } = await parseSql(sql);
    assert.ok(stmts.length > 20, name);
  }
});

Build.run();
