// Adopting a family on a server that crashes: a cluster of this major of its own (a crash
// stops every session on the server, so not the shared one), stopped as a power cut would
// (pg_ctl stop -m immediate: no checkpoint) and started again, recovering from its WAL, between
// every two steps of an adoption and in the middle of a copy batch. Each step is one
// transaction whose state is in parting.adoption, so after each crash the adoption is where
// the last committed step left it: `pgpart adopt` resumes it and ends with every row the old
// tables held, and `--abort` after a crash leaves the tables as they were.

import * as assert from 'uvu/assert';
import pg from 'pg';
import { compile } from '../../src/build.js';
import { loadRuntime } from '../../src/db/install.js';
import { startLocalCluster, type Cluster } from '../harness/cluster.js';
import { runCli, writeConfig } from '../harness/cli.js';
import { databaseUrl, newClient, serverMajor } from '../harness/db.js';
import { majorInfo } from '../harness/majors.js';
import { suiteUnless } from '../harness/needs.js';
import { adoptConfig, content, copyAll, PLAIN_FAMILY } from './adopt-helpers.js';
import { rows, scalar } from './helpers.js';

const Crash = suiteUnless('pgpart adopt: server crashes', process.env.PGPART_TEST_EXTERNAL
  ? 'the tests run on an existing server (PGPART_TEST_DATABASE_URL), which they do not crash' : undefined, {});

/** How many times the server has recovered from a crash, by its log. */
function recoveries(cluster: Cluster): number {
  return cluster.log().split('\n').filter((l) => l.includes('database system was not properly shut down; automatic recovery in progress')).length;
}

/** A cluster with the plain family in database adopt_crash and pgpart's runtime loaded; its client. */
async function crashable(): Promise<{ cluster: Cluster; url: string; connect(): Promise<pg.Client> }> {
  // Commits wait for their WAL to be written (the harness turns that off for speed): a crash
  // loses nothing committed, as on a production server. fsync stays off: the machine does not crash.
  const cluster = await startLocalCluster(majorInfo(serverMajor()), { settings: { synchronous_commit: 'on' } });
  const admin = newClient(cluster.url);
  await admin.connect();
  await admin.query('CREATE DATABASE adopt_crash');
  await admin.end();
  const url = databaseUrl(cluster.url, 'adopt_crash');
  const connect = async (): Promise<pg.Client> => {
    const c = newClient(url);
    await c.connect();
    return c;
  };
  const c = await connect();
  await c.query(PLAIN_FAMILY);
  await loadRuntime(c, compile(adoptConfig()));
  await c.end();
  return { cluster, url, connect };
}

Crash('a crash between every two steps and inside a copy batch: each time the adoption is where its last step left it, and `pgpart adopt` ends it with every row', async () => {
  const compiled = compile(adoptConfig());
  const { cluster, url, connect } = await crashable();
  let c = await connect();
  const crash = async (): Promise<void> => {
    await c.end().catch(() => {});
    await cluster.crash();
    c = await connect();
  };
  const phase = (): Promise<unknown> => scalar(c, `SELECT phase FROM parting.adoption WHERE model = 'tweet'`);
  try {
    const before = await content(c);
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]);
    await crash();
    assert.is(await phase(), 'copying');
    // The capture triggers survived: a write now reaches the new family.
    await c.query(`UPDATE tweet SET body = 'after the first crash' WHERE id = 10`);
    before.tweet = (await content(c)).tweet!;

    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`);
    await crash();
    assert.is(await scalar(c, `SELECT (progress -> 'tweet' ->> 'copied')::int FROM parting.adoption`), 500);
    // A batch whose transaction the crash cuts: none of it is kept, the progress neither.
    await c.query('BEGIN');
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`);
    await crash();
    assert.is(await scalar(c, `SELECT (progress -> 'tweet' ->> 'copied')::int FROM parting.adoption`), 500);
    assert.is(await scalar(c, `SELECT count(*)::int FROM pgpart_adopt_tweet.tweet WHERE id > 500 AND id <> 10`), 0);

    await copyAll(c, 1000);
    await crash();
    assert.is(await phase(), 'copied');
    const verified = await rows<{ same: boolean }>(c, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.length > 0 && verified.every((r) => r.same));
    await crash();
    assert.is(await phase(), 'verified');
    await c.query(`SELECT parting.adopt_swap('tweet')`);
    await crash();
    assert.is(await phase(), 'swapped');
    assert.is(await scalar(c, `SELECT relkind::text FROM pg_class WHERE oid = 'public.tweet'::regclass`), 'p');
    assert.is(recoveries(cluster), 6);

    // `pgpart adopt` takes it from there: validates the foreign keys, installs.
    const file = writeConfig(adoptConfig());
    const run = await runCli(['adopt', 'tweet', '--config', file, '--database-url', url]);
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stderr, 'resuming the adoption of tweet (swapped)');
    assert.equal(await content(c), before);
    assert.equal(await rows(c, `SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated AND conparentid = 0`), []);
    const finish = await runCli(['adopt', 'tweet', '--finish', '--config', file, '--database-url', url]);
    assert.is(finish.code, 0, finish.stderr);
  } finally {
    await c.end().catch(() => {});
    await cluster.stop();
  }
});

Crash('a crash in the middle of the copy, then `pgpart adopt --abort`: the tables are as they were, with the writes made meanwhile', async () => {
  const compiled = compile(adoptConfig());
  const { cluster, url, connect } = await crashable();
  let c = await connect();
  try {
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 700)`);
    await c.query(`DELETE FROM reply WHERE id = 5`);
    await c.query(`INSERT INTO star (who, tweet_id) VALUES ('between', 20)`);
    const before = await content(c);
    await c.query('BEGIN');
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 700)`);
    await c.end().catch(() => {});
    await cluster.crash();
    assert.is(recoveries(cluster), 1);
    c = await connect();
    const file = writeConfig(adoptConfig());
    const abort = await runCli(['adopt', 'tweet', '--abort', '--config', file, '--database-url', url]);
    assert.is(abort.code, 0, abort.stderr);
    assert.equal(await content(c), before);
    assert.is(await scalar(c, `SELECT relkind::text FROM pg_class WHERE oid = 'public.tweet'::regclass`), 'r');
    assert.is(await scalar(c, `SELECT count(*)::int FROM pg_trigger WHERE tgname LIKE 'pgpart_adopt%'`), 0);
    assert.is(await scalar(c, `SELECT to_regnamespace('pgpart_adopt_tweet') IS NULL`), true);
    assert.is(await scalar(c, `SELECT count(*)::int FROM parting.adoption`), 0);
  } finally {
    await c.end().catch(() => {});
    await cluster.stop();
  }
});

Crash.run();
