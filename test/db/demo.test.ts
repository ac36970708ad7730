// `pgpart demo` end to end, the way a user runs it: the built CLI (dist/, so run `tsc`
// first; npm test does) in a child process, once on the embedded PGlite (PostgreSQL 18)
// and once on a fresh database of the test cluster (PostgreSQL 15).

import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { maskUrl } from '../../src/db/connect.js';
import { cli, runCli } from '../harness/cli.js';
import { freshDatabase, type FreshDatabase } from '../harness/db.js';

/** The parent's env without DATABASE_URL and PG*: nothing may point the demo at a server. */
function envWithoutDatabase(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL' && !k.startsWith('PG')));
}

/** What both engines must print. */
function assertNarration(out: string): void {
  assert.match(out, /star +star_2013_03 +detached[^\n]*\n *tweet +tweet_2013_03 +detached[^\n]*\n *tweet +tweet_2013_03 +archived/,
    'run_maintenance retires March 2013: dependents detached first, then archived');
  assert.match(out, /archive\.tweet_2013_03 +\d+/, 'archived rows stay queryable in archive.tweet');
  assert.match(out, /tweet_2013_03, star_2013_03/, 'ensure_partition(tweet, 2013-03) makes both, together');
  assert.match(out, /→ tenant_event_baz/);
  assert.match(out, /→ 0 rows: install already made/, 'ensure_partition(tweet) after install has nothing to do');
  assert.match(out, /install again: installed in \d+ ms/);
  // Routing counts: one tweet and its star in March 2013, two of each now, acme 2, baz 1.
  assert.match(out, /^\s+tweet_2013_03\s+1$/m);
  assert.match(out, /^\s+star_2013_03\s+1$/m);
  assert.match(out, /^\s+tweet_\d{4}_\d{2}\s+2$/m);
  assert.match(out, /^\s+star_\d{4}_\d{2}\s+2$/m);
  assert.match(out, /^\s+tenant_event_acme\s+2$/m);
  assert.match(out, /^\s+tenant_event_baz\s+1$/m);
  assert.match(out, /violates foreign key constraint "star_2013_03_tweet_id_fkey"/);
  assert.match(out, /is not present in table "tweet_2013_03"/);
  assert.match(out, /partition_for\('tweet', '2013-03-15 10:00'\)[^\n]*\n\s+→ tweet_2013_03$/m);
  // parting.partitions(): star_2013_03's parent partition is tweet_2013_03.
  assert.match(out, /^\s+star\s+star_2013_03\s+2013_03\s.*\stweet_2013_03$/m);
}

const Demo = suite<{ db?: FreshDatabase }>('demo', {});

Demo.before(() => {
  if (!existsSync(cli)) {
    const msg = `${cli} is missing: run \`npx tsc -p .\` first (npm test does)`;
    console.error(msg); // uvu swallows errors thrown by before() hooks
    throw new Error(msg);
  }
});

Demo.after(async (ctx) => {
  await ctx.db?.drop();
});

Demo('with no DATABASE_URL nor PG*, runs on the embedded PGlite (PostgreSQL 18)', async () => {
  const r = await runCli(['demo'], envWithoutDatabase());
  assert.is(r.code, 0, `exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, /^engine: embedded PGlite \(PostgreSQL 18\.\d+\)\n/); // the first line, as the README says
  assertNarration(r.stdout);
});

Demo('with --database-url, runs on that server (PostgreSQL 15) and leaves the example installed', async (ctx) => {
  const db = (ctx.db = await freshDatabase('demo'));
  const r = await runCli(['demo', '--database-url', db.url], envWithoutDatabase());
  assert.is(r.code, 0, `exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, /^engine: postgres:\/\/\S+ \(PostgreSQL 15\.\d+\)\n/);
  assertNarration(r.stdout);

  // March 2013 was archived by step 8; its partition foreign key went with it, a real
  // constraint in the catalog, pointing at the same month.
  const fk = await db.client.query<{ name: string; target: string; def: string }>(
    `SELECT conname AS name, confrelid::regclass::text AS target, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE conrelid = 'archive.star_2013_03'::regclass AND contype = 'f'`);
  assert.equal(fk.rows.map((x) => [x.name, x.target]), [['star_2013_03_tweet_id_fkey', 'archive.tweet_2013_03']]);
  assert.match(fk.rows[0]!.def, /^FOREIGN KEY \(tweet_id\) REFERENCES archive\.tweet_2013_03\(id\)/);

  const { rows: [counts] } = await db.client.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM archive.tweet) AS tweet_march, (SELECT count(*) FROM archive.star) AS star_march,
            (SELECT count(*) FROM tweet) AS tweets, (SELECT count(*) FROM star) AS stars,
            (SELECT count(*) FROM tenant_event_baz) AS baz,
            (SELECT count(*) FROM star s JOIN tweet t ON t.id = s.tweet_id AND t.created_at = s.tweet_created_at) AS matched`);
  assert.equal(counts, { tweet_march: '1', star_march: '1', tweets: '2', stars: '2', baz: '1', matched: '2' });

  // Re-running on the same database is safe: the install is idempotent, partitions exist.
  const again = await runCli(['demo', '--database-url', db.url], envWithoutDatabase());
  assert.is(again.code, 0, `second run: exit ${again.code}\n${again.stderr}\n${again.stdout}`);
  assert.match(again.stdout, /attach_partition\('tweet', '2013-03'\)\n\s+→ tweet_2013_03, star_2013_03 back from the archive/);
  assert.match(again.stdout, /ensure_partition\('tweet', '2013-03'\)\n\s+→ already there/);
  assert.match(again.stdout, /archive\.tweet_2013_03 +2$/m, 'the second run archives both runs\' March rows');
});

Demo('the engine line never shows a password', () => {
  assert.is(maskUrl('postgres://app:s3cret@db.example:5432/prod'), 'postgres://app:***@db.example:5432/prod');
  assert.is(maskUrl('postgres://app@/prod?host=/run/postgresql&password=s3cret'), 'postgres://app@/prod?host=/run/postgresql&password=***');
  assert.is(maskUrl('host=db password=s3cret dbname=prod'), 'host=db password=*** dbname=prod');
});

Demo.run();
