/**
 * `pgpart migration new <name> [--dir migrations] [--database-url url]`: a node-pg-migrate
 * migration, `<dir>/<timestamp>_<name>.mjs`, small enough to review: a comment with the
 * change (what `pgpart plan` prints, against the database given; with none, it says so),
 * and an `up` that runs the install script of this moment, frozen in a content-addressed
 * sidecar beside the migrations directory (`pgpart-frozen/<sha256>.sql`, see frozen.ts),
 * checked against its hash before it runs.
 *
 * Frozen, not built when the migration runs: a migration that builds from the config of
 * the day it runs would, on a fresh database replaying the history, install today's config
 * at its first step, and every later step would find its work done or in the way. Each
 * frozen script takes the database from wherever the migrations before it left it to that
 * moment's config (install reconciles), so the history replays to the same database.
 *
 * The script runs through node-pg-migrate's own connection (`pgm.db.query`), inside its
 * transaction, and not as a `pgm.sql` step: node-pg-migrate would echo the whole script into
 * its log and drop the NOTICEs that say what pgpart changed. The migration listens for
 * those on the connection while the script runs and hands each to node-pg-migrate as a
 * comment step, which its log shows in place of the script.
 *
 * No down migration (`down = false`): node-pg-migrate refuses to migrate it down ("User has
 * disabled down migration"), which is what a change to live partitioned tables should get;
 * to undo, change the config back and make a new migration, which then refuses what would
 * lose data unless drop names it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { commentText } from '../emit/quote.js';
import { compileFile } from './build.js';
import { UserError } from './errors.js';
import { FROZEN_DIR, changeText, freeze } from './frozen.js';

export async function migrationNewCommand(name: string, opts: { config?: string; dir: string; databaseUrl?: string }): Promise<void> {
  if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name)) {
    throw new UserError(`migration name "${name}": use letters, digits, - and _ (it becomes the file name)`);
  }
  const compiled = await compileFile(opts.config, false);
  const change = await changeText(compiled, opts.databaseUrl);
  const dir = resolve(opts.dir);
  const frozen = freeze(join(dirname(dir), FROZEN_DIR), compiled.sql);
  const file = join(opts.dir, `${Date.now()}_${name}.mjs`);
  const text = migrationText({
    name, source: compiled.source, configHash: compiled.hash, version: compiled.version, change,
    sqlUrl: relative(dir, frozen.file).split('\\').join('/'), sqlHash: frozen.hash,
  });
  try {
    mkdirSync(opts.dir, { recursive: true });
    writeFileSync(file, text, { flag: 'wx' });
  } catch (err) {
    throw new UserError(`cannot write ${file}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
  process.stderr.write(`wrote ${relative(process.cwd(), file) || file} (config ${compiled.hash.replace(/^sha256:/, '').slice(0, 12)}; `
    + `install script ${relative(process.cwd(), frozen.file) || frozen.file})\n`);
}

interface MigrationText {
  name: string;
  source: string;
  configHash: string;
  version: string;
  change: string;
  /** The sidecar, relative to the migration file. */
  sqlUrl: string;
  sqlHash: string;
}

/** The migration module: comments, the frozen script's name and hash, `up`, and the notice-listening query. */
export function migrationText(m: MigrationText): string {
  // Each line through commentText, so no text from the config or the database can end the comment.
  const comment = (s: string) => s.split('\n').map((l) => `//   ${commentText(l)}`.trimEnd());
  return [
    `// Up Migration, made by \`pgpart migration new ${m.name}\` from ${commentText(m.source)} at ${new Date().toISOString()}`,
    `// (config ${m.configHash.replace(/^sha256:/, '').slice(0, 12)}, pgpart ${m.version}). Do not edit: for another change, change`,
    '// the config and make a new migration.',
    '//',
    '// What it changes:',
    ...comment(m.change),
    '//',
    `// It runs the install script of that moment, frozen in ${m.sqlUrl}`,
    '// (its name is its sha256, checked before it runs), in node-pg-migrate\'s transaction; each',
    '// change pgpart makes shows in node-pg-migrate\'s log as a `-- pgpart: …` line.',
    "import { createHash } from 'node:crypto';",
    "import { readFileSync } from 'node:fs';",
    '',
    `const SQL_FILE = new URL(${JSON.stringify(m.sqlUrl)}, import.meta.url);`,
    `const SQL_SHA256 = ${JSON.stringify(m.sqlHash)};`,
    '',
    'export async function up(pgm) {',
    '  const sql = readFileSync(SQL_FILE);',
    "  if (createHash('sha256').update(sql).digest('hex') !== SQL_SHA256) {",
    '    throw new Error(`${SQL_FILE.pathname} is not the install script this migration was made with (sha256 ${SQL_SHA256}): restore it from version control`);',
    '  }',
    "  const notices = await pgm.db.query(withNotices(sql.toString('utf8')));",
    "  for (const n of notices) pgm.sql(`-- ${n.replace(/[\\r\\n]+/g, ' ')}`);",
    '}',
    '',
    '// No down migration: undo by changing the config back and making a new migration.',
    'export const down = false;',
    '',
    '/**',
    ' * The script as one simple query on node-pg-migrate\'s connection (a node-postgres custom',
    ' * query, as pg-cursor is one), collecting the NOTICEs the server sends while it runs;',
    ' * awaiting it gives them, or the error the script ended with.',
    ' */',
    'function withNotices(text) {',
    '  const notices = [];',
    '  let connection = null;',
    '  let failure = null;',
    '  let settle;',
    '  const done = new Promise((resolve, reject) => { settle = () => (failure ? reject(failure) : resolve(notices)); });',
    '  const onNotice = (msg) => notices.push(msg.message);',
    '  const finish = () => { connection?.removeListener(\'notice\', onNotice); settle(); };',
    '  return {',
    '    text,',
    '    submit(con) { connection = con; con.on(\'notice\', onNotice); con.query(text); },',
    '    handleRowDescription() {},',
    '    handleDataRow() {},',
    '    handleCommandComplete() {},',
    '    handleEmptyQuery() {},',
    '    handlePortalSuspended() {},',
    "    handleCopyInResponse(con) { con.sendCopyFail('pgpart: a migration copies no data'); },",
    '    handleCopyData() {},',
    '    // node-postgres hands the query its error and no ReadyForQuery after it.',
    '    handleError(err) { failure = failure ?? err; finish(); },',
    '    handleReadyForQuery() { finish(); },',
    '    then(resolve, reject) { return done.then(resolve, reject); },',
    '  };',
    '}',
    '',
  ].join('\n');
}
