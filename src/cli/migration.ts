/**
 * `pgpart migration new <name> [--dir migrations]`: a node-pg-migrate migration holding the
 * install script of this moment, frozen: `<dir>/<timestamp>_<name>.sql`, which
 * node-pg-migrate runs in its own transaction (the script is built without BEGIN/COMMIT).
 *
 * Frozen, not built when the migration runs: a migration that builds from the config of
 * the day it runs would, on a fresh database replaying the history, install today's config
 * at its first step, and every later step would find its work done or in the way. Each
 * frozen script takes the database from wherever the migrations before it left it to that
 * moment's config (install reconciles), so the history replays to the same database.
 *
 * No down migration: node-pg-migrate refuses to migrate a file without one down ("User has
 * disabled down migration"), which is what a change to live partitioned tables should get;
 * to undo, change the config back and make a new migration, which then refuses what would
 * lose data unless drop names it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { commentText } from '../emit/quote.js';
import { compileFile } from './build.js';
import { UserError } from './errors.js';

export async function migrationNewCommand(name: string, opts: { config?: string; dir: string }): Promise<void> {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name)) {
    throw new UserError(`migration name "${name}": use letters, digits, - and _ (it becomes the file name)`);
  }
  const compiled = await compileFile(opts.config, false);
  const file = join(opts.dir, `${Date.now()}_${name}.sql`);
  const text = [
    '-- Up Migration',
    `-- Made by \`pgpart migration new ${name}\` from ${commentText(compiled.source)} at ${new Date().toISOString()}: the install script of`,
    '-- that moment, frozen, so replaying the history on a fresh database reaches the same state.',
    '-- Do not edit; for another change, change the config and make a new migration.',
    compiled.sql,
  ].join('\n');
  try {
    mkdirSync(opts.dir, { recursive: true });
    writeFileSync(file, text, { flag: 'wx' });
  } catch (err) {
    throw new UserError(`cannot write ${file}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
  process.stderr.write(`wrote ${relative(process.cwd(), file) || file} (config ${compiled.hash.replace(/^sha256:/, '').slice(0, 12)})\n`);
}
