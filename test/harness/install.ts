/**
 * Installs a config into a fresh database the way a user does: `build` → install.sql on
 * disk → `psql -v ON_ERROR_STOP=1 -f install.sql`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/build.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { freshDatabase, psqlFile, type FreshDatabase } from './db.js';

/** Builds the config into a temp install.sql and returns its path. */
export function writeInstallSql(config: ConfigInput): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pgpart-sql-')), 'install.sql');
  writeFileSync(file, build(config, { source: 'test' }));
  return file;
}

/** psql -f the built config into `url`; throws with psql's stderr when it fails. */
export async function install(url: string, config: ConfigInput): Promise<string> {
  const file = writeInstallSql(config);
  const res = await psqlFile(url, file);
  if (res.code !== 0) throw new Error(`install.sql failed (psql exit ${res.code}):\n${res.stderr}`);
  return file;
}

/** A fresh database with the config installed. */
export async function installed(prefix: string, config: ConfigInput): Promise<FreshDatabase> {
  const db = await freshDatabase(prefix);
  try {
    await install(db.url, config);
  } catch (err) {
    await db.drop();
    throw err;
  }
  return db;
}
