// Shared by the unit tests: the repo root, small config builders, expecting a ConfigError,
// and parsing SQL with libpg-query (PostgreSQL's own parser, compiled to WASM).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModule, parseSync } from 'libpg-query';
import * as assert from 'uvu/assert';
import { ConfigError, type ConfigIssue } from '../../src/config/errors.js';
import { loadConfigFile } from '../../src/config/load.js';
import { validate } from '../../src/model/validate.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixture = (name: string): string => path.join(repoRoot, 'test', 'fixtures', name);

/** A config module's default export, loaded the way the CLI loads it ('pgpart' imports resolve). */
export async function loadConfig(relPath: string): Promise<unknown> {
  return (await loadConfigFile(path.join(repoRoot, relPath), repoRoot)).config;
}

/** A plain object, loosely typed: configs under test are often deliberately wrong. */
export type Obj = Record<string, any>;

/** The root of the README's example: tweets partitioned by month. */
export function tweet(): Obj {
  return {
    columns: { id: 'bigint generated always as identity', user: 'text not null', created_at: 'timestamptz not null default now()' },
    primaryKey: ['id'],
    partition: { by: 'range', column: 'created_at', interval: '1 month' },
  };
}

/** A dependent in lockstep with `references`. */
export function dependent(references = 'tweet', column = `${references}_id`): Obj {
  return {
    columns: { id: 'bigint generated always as identity', user: 'text not null' },
    primaryKey: ['id'],
    partitionForeignKey: { column, references },
  };
}

/** `{ models: { tweet, star } }`, with `change` applied to a fresh copy. */
export function tweetStar(change: (c: Obj) => void = () => {}): Obj {
  const c: Obj = { models: { tweet: tweet(), star: dependent('tweet') } };
  change(c);
  return c;
}

/** The issues of the ConfigError that validate(input) must throw. */
export function issuesOf(input: unknown): ConfigIssue[] {
  try {
    validate(input);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  assert.unreachable('validate() accepted the config; expected a ConfigError');
  return [];
}

/** validate(input) fails with exactly one issue, at `at` (joined with '.'), whose message matches. */
export function expectIssue(input: unknown, at: string, message: RegExp): ConfigIssue {
  const issues = issuesOf(input);
  const shown = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ');
  assert.is(issues.length, 1, `expected one issue, got ${issues.length}:\n  ${shown}`);
  const [issue] = issues as [ConfigIssue];
  assert.is(issue.path.join('.'), at, `path of: ${shown}`);
  assert.match(issue.message, message);
  return issue;
}

// ── SQL parsing ─────────────────────────────────────────────────────────────

/** libpg-query's JSON parse tree: `{ stmts: [{ stmt: { NodeType: {...} } }] }`. */
export interface ParseResult {
  stmts: { stmt: Obj; stmt_location?: number; stmt_len?: number }[];
}

let loaded: Promise<void> | undefined;
/** Parses SQL with PostgreSQL 17's parser; throws on a syntax error. */
export async function parseSql(sql: string): Promise<ParseResult> {
  await (loaded ??= loadModule());
  return parseSync(sql) as ParseResult;
}

/** The node type of a parsed statement: `SelectStmt`, `TransactionStmt`, … */
export const kindOf = (s: { stmt: Obj }): string => Object.keys(s.stmt)[0]!;

/** `DefElem`s of a statement by name (options of CREATE FUNCTION, args of DO). */
export function defElem(list: Obj[] | undefined, name: string): Obj | undefined {
  return list?.map((o) => o.DefElem as Obj).find((d) => d?.defname === name);
}
