// An adoption an older pgpart started, finished by this one. test/fixtures/adopt-rev9 holds the
// runtime pgpart built at commit 4c39551 (schema revision 9) for the adoption tests' config,
// kept verbatim: its capture triggers wrote every change into the shadow family and its copy
// locked the rows it read. With writers on throughout, that runtime starts the adoption and
// copies part of it; today's runtime is loaded over it, and its next step replaces the
// capture (each old table gets a change log) before it copies without row locks. The
// adoption then verifies and swaps with every row the old tables held.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../../src/build.js';
import { loadRuntime } from '../../src/db/install.js';
import { freshDatabase } from '../harness/db.js';
import { adoptConfig, content, copyAll, PLAIN_FAMILY, writers } from './adopt-helpers.js';
import { column, rows, scalar } from './helpers.js';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/adopt-rev9');
const Upgrade = suite('pgpart adopt across an upgrade');

Upgrade('an adoption started and half copied by revision 9, with writers on, is finished by this runtime with nothing lost', async () => {
  const db = await freshDatabase('adopt_upgrade');
  let load: ReturnType<typeof writers> | undefined;
  try {
    const c = db.client;
    await c.query(PLAIN_FAMILY);
    const old = JSON.parse(readFileSync(path.join(fixture, 'meta.json'), 'utf8')) as { revision: number; version: string };
    await c.query('BEGIN');
    await c.query(readFileSync(path.join(fixture, 'runtime.sql'), 'utf8'));
    await c.query(`INSERT INTO parting.meta (schema_revision, version, config_hash, config_rows_hash)
                   SELECT $1, $2, '', parting._config_rows_hash()`, [old.revision, old.version]);
    await c.query('COMMIT');
    load = writers(db.url, 2);
    assert.is(await scalar(c, `SELECT parting.adopt_start($1::jsonb, 'tweet')`, [readFileSync(path.join(fixture, 'desired.json'), 'utf8')]), 'copying');
    // The whole of tweet copied by the old runtime; its copy waits for writers' rows, and a
    // batch that waited past lockTimeout is tried again (as `pgpart adopt` does).
    for (let done: string[] = []; !done.includes('tweet');) {
      try {
        done = await column<string>(c, `SELECT member FROM parting.adopt_copy('tweet', 500) WHERE done`);
      } catch (err) {
        if ((err as { code?: string }).code !== '55P03') throw err;
      }
    }
    assert.equal(await column(c, `SELECT member FROM parting.adopt_copy('tweet', 500) WHERE done`), ['tweet']);
    assert.is(await scalar(c, `SELECT to_regclass('pgpart_adopt_tweet.pgpart_log_tweet') IS NULL`), true);

    await loadRuntime(c, compile(adoptConfig()));
    const batches = await copyAll(c, 700);
    assert.ok(batches > 3, `${batches} batches`);
    // Every old table now logs its writes; the old triggers' functions are this runtime's.
    assert.equal(await column(c, `SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = 'pgpart_adopt_tweet'::regnamespace
                                    AND c.relname LIKE 'pgpart_log_%' ORDER BY 1`), ['pgpart_log_reply', 'pgpart_log_star', 'pgpart_log_tweet']);
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.length > 0 && verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
    const { failures, writes } = await load.stop();
    load = undefined;
    assert.equal(failures, []);
    assert.ok(writes > 50, `${writes} writes`);
    const before = await content(c);
    assert.is(await scalar(c, `SELECT parting.adopt_swap('tweet')`), 'swapped');
    while ((await scalar(c, `SELECT parting.adopt_validate('tweet')`)) !== null);
    assert.equal(await content(c), before);
    assert.equal(await rows(c, `SELECT s.id FROM star s JOIN tweet t ON t.id = s.tweet_id WHERE s.tweet_created_at <> t.created_at
                                UNION ALL SELECT r.id FROM reply r JOIN tweet t ON t.id = r.tweet_id WHERE r.tweet_created_at <> t.created_at`), []);
  } finally {
    await load?.stop();
    await db.drop();
  }
});

Upgrade.run();
