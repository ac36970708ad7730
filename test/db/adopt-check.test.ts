// parting.check() knows adoptions: a family `pgpart adopt` started and did not finish (a run
// killed, stopped on an error, or not yet told --finish) is reported at every phase as
// 'adoption in progress', with its phase, how far the copy got and the command that resumes,
// aborts or finishes it; never repaired (which way to go is the user's choice); gone once
// the adoption is finished or aborted.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import { compile, type Compiled } from '../../src/build.js';
import { loadRuntime } from '../../src/db/install.js';
import { runCli } from '../harness/cli.js';
import { freshDatabase, type FreshDatabase } from '../harness/db.js';
import { adoptConfig, PLAIN_FAMILY } from './adopt-helpers.js';
import { column, rows, scalar } from './helpers.js';

const AdoptCheck = suite('check: adoptions in progress');

async function plainFamily(prefix: string, compiled: Compiled): Promise<FreshDatabase> {
  const db = await freshDatabase(prefix);
  await db.client.query(PLAIN_FAMILY);
  await loadRuntime(db.client, compiled);
  return db;
}

const adoptions = (c: pg.Client) => rows(c, `SELECT model, partition, key, detail, fix, repairable FROM parting.check() WHERE problem = 'adoption in progress'`);
const others = (c: pg.Client) => column(c, `SELECT problem || ' ' || coalesce(partition, '') FROM parting.check() WHERE problem <> 'adoption in progress'`);

const RESUME = 'none here: pgpart adopt tweet resumes it (copy, verify, swap); pgpart adopt tweet --abort undoes it, nothing lost';

AdoptCheck('reported at each phase with its progress and the command that goes on or undoes it; gone when finished', async () => {
  const compiled = compile(adoptConfig());
  const db = await plainFamily('adopt_check', compiled);
  try {
    const c = db.client;
    assert.equal(await adoptions(c), []);
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]);
    let [row] = await adoptions(c);
    assert.equal({ ...row, detail: undefined }, { model: 'tweet', partition: 'public.tweet', key: null, detail: undefined, fix: RESUME, repairable: false });
    assert.match(String(row!.detail), /^adoption started at \S+ \S+ \S+, in phase copying \(copied 0 of ~8000 rows\), last step at .*: the old tables are live, and every write to them is copied into the shadow family \(schema pgpart_adopt_tweet\) too$/);
    await c.query(`SELECT * FROM parting.adopt_copy('tweet', 500)`);
    [row] = await adoptions(c);
    assert.match(String(row!.detail), /in phase copying \(copied 500 of ~8000 rows\)/);
    assert.equal(await others(c), [], 'nothing else is reported of the family being adopted');

    // A run stopped there (the CLI's check exits non-zero, naming the commands).
    const cli = await runCli(['check', '--database-url', db.url]);
    assert.is.not(cli.code, 0, cli.stdout + cli.stderr);
    assert.match(cli.stdout, 'adoption in progress');
    assert.match(cli.stdout, 'pgpart adopt tweet --abort');
    // Never repaired, and repair leaves the shadow family alone: its lockstep foreign keys
    // wait for the swap (a parent's key may move under its dependents on the old tables).
    const shadowKeys = () => scalar<number>(c, `SELECT count(*)::int FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid
                                                 WHERE r.relnamespace = 'pgpart_adopt_tweet'::regnamespace AND k.contype = 'f'`);
    const keysBefore = await shadowKeys();
    assert.equal(await column(c, `SELECT problem || ' ' || outcome FROM parting.repair()`), ['adoption in progress left']);
    assert.is(await shadowKeys(), keysBefore);
    assert.is(await scalar(c, `SELECT phase FROM parting.adoption`), 'copying');

    for (;;) {
      const done = await column<boolean>(c, `SELECT done FROM parting.adopt_copy('tweet', 5000)`);
      if (done.every(Boolean) && (await scalar(c, `SELECT phase FROM parting.adoption`)) === 'copied') break;
    }
    [row] = await adoptions(c);
    assert.match(String(row!.detail), /in phase copied \(copied 8000 of ~8000 rows\)/);
    await c.query(`SELECT * FROM parting.adopt_verify('tweet')`);
    [row] = await adoptions(c);
    assert.match(String(row!.detail), /in phase verified/);
    assert.is(row!.fix, RESUME);

    await c.query(`SELECT parting.adopt_swap('tweet')`);
    [row] = await adoptions(c);
    assert.match(String(row!.detail), /^adoption swapped at .*: the partitioned tables are live; the old ones wait in schema pgpart_adopted_tweet, and \d+ foreign key\(s\) are not validated yet$/);
    assert.is(row!.fix, 'none here: pgpart adopt tweet --finish drops the old tables (pgpart adopt tweet first validates what is left and installs)');
    while (await scalar(c, `SELECT parting.adopt_validate('tweet')`) !== null) { /* one foreign key a call */ }
    [row] = await adoptions(c);
    assert.match(String(row!.detail), /wait in schema pgpart_adopted_tweet$/);
    await c.query(`SELECT parting.adopt_finish('tweet')`);
    assert.equal(await adoptions(c), []);
  } finally {
    await db.drop();
  }
});

AdoptCheck('an aborted adoption is no longer reported', async () => {
  const compiled = compile(adoptConfig());
  const db = await plainFamily('adopt_check_abort', compiled);
  try {
    const c = db.client;
    await c.query(`SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]);
    assert.is((await adoptions(c)).length, 1);
    await c.query(`SELECT parting.adopt_abort('tweet')`);
    assert.equal(await adoptions(c), []);
  } finally {
    await db.drop();
  }
});

AdoptCheck.run();
