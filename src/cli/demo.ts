/**
 * `pgpart demo`: builds the bundled example, installs it (twice, to show it is idempotent)
 * and narrates the runtime at work: partitions made on demand in lockstep, rows routed,
 * the partition foreign key rejecting a row, the catalog view of it all.
 *
 * Runs on --database-url / DATABASE_URL when given, else on an embedded PGlite, so it needs
 * no server. On a real server it installs the example into that database (tables tweet,
 * star, tenant_event in public, schema parting) and drops nothing; re-running is safe.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveDatabaseUrl } from '../db/connect.js';
import { pgEngine, pgliteEngine, type Engine } from '../db/embedded.js';
import { packageRoot } from '../emit/package.js';
import { ident } from '../emit/quote.js';
import { buildFromFile } from './build.js';
import { printTable } from './table.js';
import { printable } from './printable.js';

type Row = Record<string, unknown>;

export async function demoCommand(opts: { databaseUrl?: string }): Promise<void> {
  const url = resolveDatabaseUrl(opts.databaseUrl);
  const engine = url ? await pgEngine(url) : await pgliteEngine();
  try {
    await run(engine);
  } finally {
    await engine.close();
  }
}

async function run(db: Engine): Promise<void> {
  // Its lines carry what the database returns (names, keys, times): printed escaped.
  const out = (line = ''): void => { process.stdout.write(`${printable(line)}\n`); };
  const show = async (sql: string, params?: unknown[]): Promise<Row[]> => {
    out(`   sql> ${sql}`);
    return db.query<Row>(sql, params);
  };
  const names = (rows: Row[]): string => rows.map((r) => Object.values(r)[0]).join(', ');

  // Pinned so the times printed below read the same on every machine.
  await db.query('SET TimeZone = \'UTC\'');
  const [version] = await db.query<{ server_version: string }>('SHOW server_version');
  // The first line, as the README promises: where the demo ran. "15.18 (Debian …)" → "15.18".
  out(`engine: ${db.name} (PostgreSQL ${version?.server_version.split(' ')[0]})`);
  out('pgpart demo: the bundled example (examples/pgpart.config.ts), built, installed and put to work');
  out();

  // Built from the package's own copy, and named relative to it, whatever the cwd.
  const root = packageRoot();
  let t = performance.now();
  const sql = await buildFromFile(join(root, 'examples', 'pgpart.config.ts'), true, root);
  out(`1. build examples/pgpart.config.ts → install.sql: ${sql.split('\n').length - 1} lines in ${ms(t)}`);
  out('   tweet by month (current + 2 ahead), star in lockstep with tweet, tenant_event by tenant');
  t = performance.now();
  await db.exec(sql);
  out(`2. install: installed in ${ms(t)} (one transaction)`);
  t = performance.now();
  await db.exec(sql);
  out(`   install again: installed in ${ms(t)} (idempotent: safe to re-run, upgrades in place)`);
  out();

  out('3. partitions on demand (each call returns what it created)');
  const current = await show(`SELECT * FROM parting.ensure_partition('tweet')`);
  out(`   → ${current.length} rows: ${current.length ? names(current) : 'install already made this month and 2 ahead'}`);
  // A previous demo run on this database archived March 2013 (step 8): bring it back first.
  const [archived] = await db.query<Row>(`SELECT FROM parting.partitions('tweet') WHERE key = '2013_03' AND state = 'archived'`);
  if (archived) {
    const back = await show(`SELECT * FROM parting.attach_partition('tweet', '2013-03')`);
    out(`   → ${names(back)} back from the archive (a previous demo run archived them)`);
  }
  const march = await show(`SELECT * FROM parting.ensure_partition('tweet', '2013-03')`);
  out(`   → ${march.length ? `${names(march)} (tweet's partition and star's, together)` : 'already there'}`);
  const baz = await show(`SELECT * FROM parting.ensure_partition('tenant_event', 'baz')`);
  out(`   → ${baz.length ? names(baz) : 'already there'}`);
  out();

  out('4. rows go to their partition');
  const tweets = await show(`INSERT INTO tweet (json, "user", created_at) VALUES ('{}', 'alice', '2013-03-10 12:00+00'), `
    + `('{}', 'bob', DEFAULT), ('{}', 'carol', DEFAULT) RETURNING id, created_at::text AS created_at`);
  out(`   → tweets ${tweets.map((tw) => `${tw.id} (${tw.created_at})`).join(', ')}`);
  // A star carries its tweet's partition key, so it lands in the same month as its tweet.
  out('   sql> INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES (\'dave\', $1, $2)   -- per tweet: id, created_at');
  for (const tw of tweets) {
    await db.query(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('dave', $1, $2)`, [tw.id, tw.created_at]);
  }
  await show(`INSERT INTO tenant_event (tenant, payload) VALUES ('acme', '{"n":1}'), ('acme', '{"n":2}'), ('baz', '{"n":3}')`);
  out('   sql> SELECT tableoid::regclass AS partition, count(*) AS rows FROM <table> GROUP BY 1 ORDER BY 1');
  const routed: Row[] = [];
  for (const table of ['tweet', 'star', 'tenant_event']) {
    routed.push(...await db.query<Row>(
      `SELECT tableoid::regclass::text AS partition, count(*) AS rows FROM ${ident(table)} GROUP BY 1 ORDER BY 1`));
  }
  printTable(routed, out);
  out();

  const late = tweets[tweets.length - 1]!;
  out(`5. partition foreign key: a star for tweet ${late.id} (made now) filed under March 2013`);
  try {
    await show(`INSERT INTO star ("user", tweet_id, tweet_created_at) VALUES ('eve', $1, '2013-03-10')`, [late.id]);
    throw new Error('demo: the star was accepted, but star_2013_03 should have a foreign key to tweet_2013_03');
  } catch (err) {
    const e = err as { code?: string; message: string; detail?: string };
    if (e.code !== '23503') throw err;
    out(`   → rejected by PostgreSQL: ${e.message}`);
    if (e.detail) out(`     ${e.detail}`);
  }
  out();

  out('6. the partition a value lives in, for apps that write to partitions directly');
  const [where] = await show(`SELECT parting.partition_for('tweet', '2013-03-15 10:00') AS partition`);
  out(`   → ${String(where?.partition)}`);
  out();

  out('7. every partition, from the catalog');
  printTable(await show('SELECT model, partition, key, lower, upper, parent_partition FROM parting.partitions()'), out);
  out();

  out('8. maintenance (what pg_cron runs every 15 minutes): premake, retention, archive');
  const [{ last }] = await db.query<{ last: number }>('SELECT coalesce(max(id), 0)::int AS last FROM parting.history') as [{ last: number }];
  t = performance.now();
  // A procedure that COMMITs after each step: its own statement, outside a transaction block.
  await show('CALL parting.run_maintenance()');
  out(`   → done in ${ms(t)}; what it did, from parting.history:`);
  printTable(await db.query<Row>(`SELECT model, partition, action, round(extract(epoch FROM duration) * 1000, 1)::text AS ms
                                    FROM parting.history WHERE id > $1 AND action <> 'maintained' ORDER BY id`, [last]), out);
  printTable(await show(`SELECT tableoid::regclass::text AS partition, count(*) AS rows FROM archive.tweet GROUP BY 1`), out);
  out('   (March 2013 is older than keep: 12 months, so it left tweet and star for archive.tweet and archive.star)');
  out();
  out('your turn: write a pgpart.config.ts, then `npx pgpart build > install.sql` and `psql -f install.sql`');
}

function ms(start: number): string {
  return `${Math.round(performance.now() - start)} ms`;
}
