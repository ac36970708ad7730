// Runs on PostgreSQL 13 only (test/harness/majors.ts): install.sql refuses a server older than
// 14 at its top, with a message naming the server's version, and changes nothing, whether it
// runs as built (its own BEGIN/COMMIT) or built with --no-transaction inside the caller's
// transaction, as node-pg-migrate runs it.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from '../../src/build.js';
import { freshDatabase, psqlFile, serverVersionNum, type FreshDatabase } from '../harness/db.js';
import { column, logged, monthlyTweetStar, scalar } from './helpers.js';

const Refused = suite<{ db?: FreshDatabase }>('install.sql on PostgreSQL 13', {});

Refused.before(async (ctx) => {
  ctx.db = await logged('fresh database', () => freshDatabase('pg13_refused'));
});
Refused.after(async (ctx) => ctx.db?.drop());

/** Every schema, relation and routine outside the system schemas. */
function catalog(db: FreshDatabase): Promise<string[]> {
  return column<string>(db.client, `
    SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
    UNION ALL
    SELECT 'relation ' || c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
    UNION ALL
    SELECT 'routine ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
    ORDER BY 1`);
}

function script(transaction: boolean): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pgpart-13-')), 'install.sql');
  writeFileSync(file, build({ ...monthlyTweetStar({ initial: true }), schedule: '*/15 * * * *' }, { source: 'test', transaction }));
  return file;
}

Refused('the server really is 13', async (ctx) => {
  assert.is(Math.floor(serverVersionNum() / 10000), 13);
  assert.match(String(await scalar(ctx.db!.client, 'SHOW server_version')), /^13\./);
});

Refused('install.sql stops at its top with "pgpart needs PostgreSQL 14 or newer (this server is 13.x)", nothing changed', async (ctx) => {
  const db = ctx.db!;
  const before = await catalog(db);
  const version = String(await scalar(db.client, `SELECT split_part(current_setting('server_version'), ' ', 1)`));
  const res = await psqlFile(db.url, script(true));
  assert.is(res.code, 3, `psql should stop at the first error (exit 3), got ${res.code}: ${res.stderr}`);
  assert.match(res.stderr, `ERROR:  pgpart needs PostgreSQL 14 or newer (this server is ${version})`);
  assert.match(res.stderr, 'HINT:  nothing was changed');
  // The first error is the refusal: nothing of the runtime was even tried.
  assert.is(res.stderr.match(/ERROR:/g)?.length, 1, res.stderr);
  assert.equal(await catalog(db), before);
});

Refused('built with --no-transaction and run in one transaction (psql -1), the same refusal and nothing changed', async (ctx) => {
  const db = ctx.db!;
  const before = await catalog(db);
  const res = await psqlFile(db.url, script(false), ['-1']);
  assert.is(res.code, 3, res.stderr);
  assert.match(res.stderr, /ERROR: {2}pgpart needs PostgreSQL 14 or newer \(this server is 13\.\d+\)/);
  assert.equal(await catalog(db), before);
});

Refused.run();
