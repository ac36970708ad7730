// `pgpart generate prisma`, checked by Prisma 7 itself against a real database: the generated
// models beside a generator and datasource block, `prisma generate` (Prisma's WASM schema
// tooling; the client's query compiler is WASM too, over the @prisma/adapter-pg driver
// adapter, so no query engine is downloaded), then a tweet created, its star created by
// connecting the tweet's compound id (both columns), the relation read both ways, and the
// tweet deleted with its star (onDelete cascade, the database's).
//
// `prisma generate` never runs Prisma's schema engine, a native binary @prisma/engines
// downloads at install time, but the CLI refuses to start without it: the test points
// PRISMA_SCHEMA_ENGINE_BINARY (Prisma's setting for an engine of one's own) at a stand-in
// that only says it is one. Prisma Migrate (`migrate diff`, `db pull`, which read the
// externalTables setting) needs the real engine: where it was not downloaded, that test is
// reported as not run.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FreshDatabase } from '../harness/db.js';
import { suiteUnless } from '../harness/needs.js';
import { generated, ormDatabase, partitionOf, scratchProject } from '../harness/orm.js';
import { logged, month } from './helpers.js';

const m = month(-1);

interface State { db?: FreshDatabase; dir?: string }

/** `prisma <args>` in the project, with the stand-in engine unless a real one is given. */
function prismaCli(dir: string, args: string[], engine?: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(dir, 'node_modules', 'prisma', 'build', 'index.js'), ...args], {
    cwd: dir, encoding: 'utf8', timeout: 240_000,
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: engine ?? path.join(dir, 'no-schema-engine'), PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** The project: prisma/schema/{schema,pgpart}.prisma, the client generated into generated/. */
async function project(db: FreshDatabase): Promise<string> {
  const dir = scratchProject('prisma');
  mkdirSync(path.join(dir, 'prisma', 'schema'), { recursive: true });
  writeFileSync(path.join(dir, 'prisma', 'schema', 'schema.prisma'),
    'generator client {\n  provider = "prisma-client"\n  output   = "../../generated"\n}\n\ndatasource db {\n  provider = "postgresql"\n}\n');
  await generated('prisma', path.join(dir, 'prisma', 'schema', 'pgpart.prisma'));
  writeFileSync(path.join(dir, 'no-schema-engine'), '#!/bin/sh\necho "a stand-in: the schema engine was not downloaded" >&2\nexit 1\n');
  chmodSync(path.join(dir, 'no-schema-engine'), 0o755);
  writeFileSync(path.join(dir, 'prisma.config.ts'), `export default ${JSON.stringify({
    schema: 'prisma/schema', datasource: { url: db.url },
    experimental: { externalTables: true }, tables: { external: ['public.tweet', 'public.star', 'public.tenant_event'] },
  }, null, 2)};\n`);
  return dir;
}

const Prisma = suite<State>('Prisma: pgpart generate prisma', {});
Prisma.before(async (ctx) => {
  await logged('database', async () => {
    ctx.db = await ormDatabase('orm_prisma', m.key);
    ctx.dir = await project(ctx.db);
  });
});
Prisma.after(async (ctx) => { await ctx.db?.drop(); });

Prisma('prisma generate accepts the models; create, connect by the compound id, include both ways, delete with cascade', async (ctx) => {
  const gen = prismaCli(ctx.dir!, ['generate']);
  assert.is(gen.status, 0, gen.out);
  const { PrismaClient } = await import(path.join(ctx.dir!, 'generated', 'client.ts')) as { PrismaClient: new (o: object) => any };
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: ctx.db!.url }) });
  try {
    const tweet = await prisma.tweet.create({ data: { json: { text: 'hi' }, user: 'ann', created_at: new Date(m.at()) } });
    assert.ok(typeof tweet.id === 'bigint', 'int8 is a BigInt');
    assert.is(tweet.note, `it's "quoted" \`tick\` \${x} $1 %s`, 'the default reached the database as written');
    const star = await prisma.star.create({
      data: { user: 'bob', tweet: { connect: { id_created_at: { id: tweet.id, created_at: tweet.created_at } } } },
    });
    assert.equal([star.tweet_id, star.tweet_created_at.toISOString()], [tweet.id, tweet.created_at.toISOString()]);
    assert.is(await partitionOf(ctx.db!, 'star', 'id = $1', [String(star.id)]), `star_${m.suffix}`);

    const up = await prisma.star.findUnique({ where: { id_tweet_created_at: { id: star.id, tweet_created_at: star.tweet_created_at } }, include: { tweet: true } });
    assert.is(up.tweet.user, 'ann');
    const down = await prisma.tweet.findUnique({ where: { id_created_at: { id: tweet.id, created_at: tweet.created_at } }, include: { star: true } });
    assert.equal(down.star.map((s: { id: bigint }) => s.id), [star.id]);

    await prisma.tweet.delete({ where: { id_created_at: { id: tweet.id, created_at: tweet.created_at } } });
    assert.is(await prisma.star.count(), 0, 'the star went with its tweet (ON DELETE CASCADE)');
  } finally {
    await prisma.$disconnect();
  }
});

Prisma.run();

/** A schema engine @prisma/engines downloaded at install, or null. */
function schemaEngine(): string | null {
  const dir = path.resolve('node_modules', '@prisma', 'engines');
  const found = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith('schema-engine')) : undefined;
  return found ? path.join(dir, found) : null;
}
const engine = schemaEngine();
const Migrate = suiteUnless<State>('Prisma Migrate leaves pgpart\'s tables alone (externalTables)', engine ? null
  : 'Prisma\'s schema engine is a native binary that @prisma/engines downloads from Prisma\'s own server at install, which this '
    + 'machine cannot reach (npm does not ship it); Prisma Migrate cannot run without it', {});
Migrate.before(async (ctx) => {
  await logged('database', async () => {
    ctx.db = await ormDatabase('orm_prisma_migrate', m.key);
    ctx.dir = await project(ctx.db);
  });
});
Migrate.after(async (ctx) => { await ctx.db?.drop(); });
Migrate('migrate diff from the database to the schema changes none of pgpart\'s tables or partitions', async (ctx) => {
  const diff = prismaCli(ctx.dir!, ['migrate', 'diff', '--from-config-datasource', '--to-schema', 'prisma/schema', '--script'], engine!);
  assert.is(diff.status, 0, diff.out);
  assert.not.match(diff.out, /"(tweet|star|tenant_event)(_[a-z0-9_]+)?"/, diff.out);
});
Migrate.run();
