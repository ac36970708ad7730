// What `pgpart demo` must print on any engine, shared by the demo's tests on the embedded
// PGlite (test/embedded) and on each test server (test/db).

import * as assert from 'uvu/assert';

/** The parent's env without DATABASE_URL and PG*: nothing may point the demo at a server. */
export function envWithoutDatabase(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL' && !k.startsWith('PG')));
}

/** What both engines must print. */
export function assertNarration(out: string): void {
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
