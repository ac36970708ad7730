// Adopting a family whose writers are another role: the tables' owner (not a superuser)
// adopts, while an application role, granted only on its tables and their sequences, writes
// to them throughout start, copy and verify. The capture triggers write the new tables, call
// pgpart's routines and make partitions as the owner, so none of the application's writes
// fails for want of a grant on pgpart's schemas or the new tables; a partition such a write
// makes is the owner's; after the swap the application writes the new tables with the
// grants carried over. Waits are on the writers' progress, never on time.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compile } from '../../src/build.js';
import { loadRuntime } from '../../src/db/install.js';
import { quoteIdent } from '../harness/db.js';
import { roleDatabase } from '../harness/roles.js';
import { adoptConfig, content, copyAll, PLAIN_FAMILY, writers } from './adopt-helpers.js';
import { column, pgError, rows, scalar } from './helpers.js';

const Roles = suite('pgpart adopt: the application writes as another role');

Roles('writers of a role granted only on the tables write throughout the adoption; partitions they make are the owner\'s', async () => {
  const db = await roleDatabase('adopt_roles', { app: 'LOGIN' });
  let load: ReturnType<typeof writers> | undefined;
  try {
    const compiled = compile(adoptConfig());
    const owner = await db.as('owner');
    const app = quoteIdent(db.roles.app!);
    await owner.query(PLAIN_FAMILY);
    await owner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON tweet, star, reply, mention TO ${app};
                       GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${app}`);
    await loadRuntime(owner, compiled);
    load = writers(db.url('app'), 3);
    assert.is(await scalar(owner, `SELECT parting.adopt_start($1::jsonb, 'tweet')`, [JSON.stringify(compiled.desired)]), 'copying');
    const a = await db.as('app');
    // A write of the application beyond every partition: the trigger makes the partition.
    await a.query(`INSERT INTO tweet (body, created_at) VALUES ('far', '2031-06-01')`);
    await copyAll(owner, 400);
    const verified = await rows<{ same: boolean }>(owner, `SELECT * FROM parting.adopt_verify('tweet')`);
    assert.ok(verified.length > 0 && verified.every((r) => r.same), JSON.stringify(verified.filter((r) => !r.same)));
    const { writes, failures } = await load.stop();
    load = undefined;
    assert.equal(failures, []);
    assert.ok(writes > 100, `${writes} writes`);
    assert.equal(await column(owner, `SELECT DISTINCT pg_get_userbyid(c.relowner)::text FROM pg_class c
                                       WHERE c.relnamespace = 'pgpart_adopt_tweet'::regnamespace AND c.relkind IN ('r', 'p')`),
      [db.roles.owner]);
    assert.is(await scalar(owner, `SELECT count(*)::int FROM pg_class WHERE relname = 'tweet_2031_06'
                                     AND relnamespace = 'pgpart_adopt_tweet'::regnamespace`), 1);

    const before = await content(owner);
    assert.is(await scalar(owner, `SELECT parting.adopt_swap('tweet')`), 'swapped');
    while ((await scalar(owner, `SELECT parting.adopt_validate('tweet')`)) !== null);
    assert.equal(await content(owner), before);
    // The application's grants went to the new tables.
    await a.query(`INSERT INTO tweet (body, created_at) VALUES ('after', '2025-02-02')`);
    await a.query(`INSERT INTO star (who, tweet_id, tweet_created_at) SELECT 'after', id, created_at FROM tweet WHERE body = 'after'`);
    assert.is(await scalar(a, `SELECT tableoid::regclass::text FROM star WHERE who = 'after'`), 'star_2025_02');
    // The key guard the swap added answers the application's move across partitions itself.
    const moved = await pgError(a, `UPDATE tweet SET created_at = created_at + interval '1 month' WHERE body = 'after'`);
    assert.is(moved.code, '23001', moved.message);
  } finally {
    await load?.stop();
    await db.drop();
  }
});

Roles.run();
