// What the ORM tests share: a fresh database with the ORM fixture (test/fixtures/orm) installed
// and a partition for the month the rows go in, and a scratch project directory where
// `pgpart generate` writes and the ORM's own tools run, with this repository's node_modules
// linked in so the generated code imports the ORM the tests pinned.
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { loadConfigFile } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { runCli } from './cli.js';
import { installed } from './install.js';
import type { FreshDatabase } from './db.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ormConfigFile = path.join(repoRoot, 'test', 'fixtures', 'orm', 'pgpart.config.ts');

export async function ormConfig(): Promise<ConfigInput> {
  return (await loadConfigFile(ormConfigFile)).config as ConfigInput;
}

/** A fresh database with the ORM fixture installed and the partitions of `key` (a month such as '2026-03') made. */
export async function ormDatabase(prefix: string, key: string): Promise<FreshDatabase> {
  const db = await installed(prefix, await ormConfig());
  await db.client.query(`SELECT parting.ensure_partition('tweet', $1)`, [key]);
  return db;
}

/** A scratch project directory with node_modules linked to this repository's. */
export function scratchProject(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `pgpart-${prefix}-`));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** `pgpart generate <orm> --out <file>` with the fixture; returns the file's path. */
export async function generated(orm: string, out: string, extra: string[] = []): Promise<string> {
  const r = await runCli(['generate', orm, '--config', ormConfigFile, '--out', out, ...extra]);
  assert.is(r.code, 0, r.stderr);
  return out;
}

/** The partition a row of `table` lives in. */
export async function partitionOf(db: FreshDatabase, table: string, where: string, params: unknown[]): Promise<string> {
  const { rows } = await db.client.query<{ p: string }>(`SELECT tableoid::regclass::text AS p FROM ${table} WHERE ${where}`, params);
  assert.is(rows.length, 1, `one ${table} row where ${where}`);
  return rows[0]!.p;
}
