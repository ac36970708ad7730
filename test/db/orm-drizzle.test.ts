// `pgpart generate drizzle`, checked by Drizzle itself against a real database: the fixture
// installed, the generated schema imported, a tweet and its star inserted through Drizzle
// (the star's key written as the tweet came back), the relation traversed both ways with
// Drizzle's relational queries, and the tweet deleted, which deletes its star (onDelete
// cascade, the partition foreign key's). drizzle-kit, given the generated tablesFilter,
// sees none of pgpart's tables; without it, it sees every partition.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FreshDatabase } from '../harness/db.js';
import { runCli } from '../harness/cli.js';
import { generated, ormConfigFile, ormDatabase, partitionOf, scratchProject } from '../harness/orm.js';
import { logged, month } from './helpers.js';

const m = month(-1);
const Drizzle = suite<{ db?: FreshDatabase; dir?: string; pool?: pg.Pool }>('Drizzle: pgpart generate drizzle', {});
Drizzle.before(async (ctx) => {
  await logged('database', async () => {
    ctx.db = await ormDatabase('orm_drizzle', m.key);
    ctx.dir = scratchProject('drizzle');
    ctx.pool = new pg.Pool({ connectionString: ctx.db.url });
  });
});
Drizzle.after(async (ctx) => {
  await ctx.pool?.end();
  await ctx.db?.drop();
});

Drizzle('insert a tweet and its star, traverse both ways, delete with onDelete cascade', async (ctx) => {
  const file = await generated('drizzle', path.join(ctx.dir!, 'schema.ts'));
  const schema = await import(file) as typeof import('../fixtures/orm/drizzle.js');
  const db = drizzle(ctx.pool!, { schema });
  const [tweet] = await db.insert(schema.tweet).values({ json: { text: 'hi' }, user: 'ann', created_at: m.at() }).returning();
  assert.ok(tweet && typeof tweet.id === 'number');
  assert.is(tweet!.note, `it's "quoted" \`tick\` \${x} $1 %s`, 'the default reached the database as written');
  assert.equal(tweet!.tags, []);
  // The key as the tweet came back: a string, to the microsecond.
  const [star] = await db.insert(schema.star).values({ user: 'bob', tweet_id: tweet!.id, tweet_created_at: tweet!.created_at }).returning();
  assert.is(star!.class, 1);
  assert.is(await partitionOf(ctx.db!, 'star', 'id = $1', [star!.id]), `star_${m.suffix}`);

  const withTweet = await db.query.star.findFirst({ where: eq(schema.star.id, star!.id), with: { tweet: true } });
  assert.is(withTweet?.tweet.id, tweet!.id);
  assert.is(withTweet?.tweet.user, 'ann');
  const withStars = await db.query.tweet.findFirst({ where: eq(schema.tweet.id, tweet!.id), with: { star: true } });
  assert.equal(withStars?.star.map((s) => s.id), [star!.id]);

  await db.delete(schema.tweet).where(eq(schema.tweet.id, tweet!.id));
  assert.equal(await db.select().from(schema.star), [], 'the star went with its tweet (ON DELETE CASCADE)');
});

Drizzle('drizzle-kit with the generated tablesFilter sees none of pgpart\'s tables; without it, every partition', async (ctx) => {
  const dir = ctx.dir!;
  const { pgpartTablesFilter } = await import(path.join(dir, 'schema.ts')) as { pgpartTablesFilter: string[] };
  const pull = (filter: string[] | null, out: string): string => {
    writeFileSync(path.join(dir, `drizzle-${out}.config.ts`), `export default ${JSON.stringify({
      dialect: 'postgresql', out: `./${out}`, dbCredentials: { url: ctx.db!.url },
      ...(filter ? { tablesFilter: filter } : {}), schemaFilter: ['public'],
    })};\n`);
    const r = spawnSync(process.execPath, [path.join(dir, 'node_modules', 'drizzle-kit', 'bin.cjs'), 'pull', '--config', `drizzle-${out}.config.ts`],
      { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.is(r.status, 0, `drizzle-kit pull failed:\n${r.stdout}\n${r.stderr}`);
    return readFileSync(path.join(dir, out, 'schema.ts'), 'utf8');
  };
  const everything = pull(null, 'all');
  assert.match(everything, new RegExp(`pgTable\\("star_${m.suffix}"`), 'without a filter drizzle-kit sees the partitions');
  const filtered = pull(pgpartTablesFilter, 'filtered');
  assert.not.match(filtered, /pgTable\("(tweet|star|tenant_event)/, 'with the filter it sees none of pgpart\'s tables');
});

Drizzle('pgpart generate: an unknown ORM, or django without its app directory, is exit 1 with what to do', async () => {
  const unknown = await runCli(['generate', 'sequelize', '--config', ormConfigFile]);
  assert.equal([unknown.code, unknown.stderr], [1, 'unknown ORM "sequelize": give one of drizzle, prisma, kysely, django\n']);
  const django = await runCli(['generate', 'django', '--config', ormConfigFile]);
  assert.equal([django.code, django.stderr], [1, 'pgpart generate django writes into your app: give its directory with --out (e.g. --out myapp)\n']);
});

Drizzle.run();
