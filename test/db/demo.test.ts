// `pgpart demo` end to end on a fresh database of the test server, the way a user runs it:
// the built CLI (dist/, so run `tsc` first; npm test does) in a child process.
// test/embedded/demo.test.ts runs it on the embedded PGlite.

import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { maskUrl } from '../../src/db/connect.js';
import { cli, runCli } from '../harness/cli.js';
import { freshDatabase, type FreshDatabase } from '../harness/db.js';
import { assertNarration, envWithoutDatabase } from '../harness/demo.js';

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

Demo('with --database-url, runs on that server and leaves the example installed', async (ctx) => {
  const db = (ctx.db = await freshDatabase('demo'));
  const r = await runCli(['demo', '--database-url', db.url], envWithoutDatabase());
  assert.is(r.code, 0, `exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  assert.match(r.stdout, `engine: ${maskUrl(db.url)} (PostgreSQL ${process.env.PGPART_TEST_SERVER_VERSION})\n`);
  assert.ok(r.stdout.startsWith('engine: '), 'the engine is the first line');
  assertNarration(r.stdout);

  // March 2013 was archived by step 8; its partition foreign key went with it, a real
  // constraint in the catalog, pointing at the same month.
  const fk = await db.client.query<{ name: string; target: string; def: string }>(
    `SELECT conname AS name, confrelid::regclass::text AS target, pg_get_constraintdef(oid) AS def
       FROM pg_constraint WHERE conrelid = 'archive.star_2013_03'::regclass AND contype = 'f'`);
  assert.equal(fk.rows.map((x) => [x.name, x.target]), [['star_2013_03_tweet_id_fkey', 'archive.tweet_2013_03']]);
  assert.match(fk.rows[0]!.def, /^FOREIGN KEY \(tweet_id, tweet_created_at\) REFERENCES archive\.tweet_2013_03\(id, created_at\) ON UPDATE CASCADE/);

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

Demo.run();
