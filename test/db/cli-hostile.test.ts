// The CLI among other roles' strings and sessions:
// - `pgpart status` and `pgpart check` print list keys and names with their control
//   characters escaped: a key holding a terminal escape (clear the screen, retitle the
//   window) reaches the terminal as `\x1b[2J`, never as the escape;
// - `pgpart apply`, whose CREATE INDEX CONCURRENTLY waits for a session of a role that may
//   only connect and holds an old snapshot: names it (pid, role, application_name) while it
//   waits; with --wait-limit, gives up (exit 2) naming it, and the next apply finishes; when
//   the holder ends, apply goes on;
// - `pgpart apply` whose connection is cut mid-way exits 2 (a database error), not 1.

import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { runCli, startCli, writeConfig } from '../harness/cli.js';
import { psqlFile } from '../harness/db.js';
import { writeInstallSql } from '../harness/install.js';
import { roleDatabase, type RoleDatabase } from '../harness/roles.js';
import { listTweetStar, logged, monthlyTweetStar, pidOf, scalar } from './helpers.js';
import { until } from './wait.js';

interface Ctx { db?: RoleDatabase }

// ── terminal escapes in what the database says ─────────────────────────────────────────────

const Escapes = suite<Ctx>('cli: database strings reach the terminal with their control characters escaped', {});
Escapes.before(async (ctx) => {
  ctx.db = await logged('roles', async () => {
    const db = await roleDatabase('esc');
    const r = await psqlFile(db.url('owner'), writeInstallSql(listTweetStar()));
    assert.is(r.code, 0, r.stderr);
    return db;
  });
});
Escapes.after(async (ctx) => ctx.db?.drop());

Escapes('a list key with a terminal escape and a newline: status and check print it escaped, JSON as JSON', async (ctx) => {
  const db = ctx.db!;
  const owner = await db.as('owner');
  const key = 'acme\x1b[2J\x1b]0;pwned\x07\nforged line';
  await owner.query(`SELECT parting.ensure_partition('tweet', $1)`, [key]);
  const status = await runCli(['status', '--database-url', db.url('owner')]);
  assert.is(status.code, 0, status.stderr);
  assert.not.match(status.stdout, /[\x00-\x09\x0b-\x1f\x7f]/, 'a control character reached the terminal');
  assert.not.match(status.stdout, /^forged line/m);
  assert.match(status.stdout, 'acme\\x1b[2J\\x1b]0;pwned\\x07\\nforged line');
  const json = await runCli(['status', '--json', '--database-url', db.url('owner')]);
  assert.ok((JSON.parse(json.stdout) as { partitions: { key: string }[] }).partitions.some((p) => p.key === key));
  // An error that quotes it (an unknown model named with escapes) is escaped too, exit 2.
  const err = await runCli(['status', '--model', 'x\x1b[8m', '--database-url', db.url('owner')]);
  assert.is(err.code, 2, err.stderr);
  assert.not.match(err.stderr, /\x1b/);
  assert.match(err.stderr, 'x\\x1b[8m');
});

Escapes.run();

// ── apply waiting for another role's snapshot, and losing its connection ───────────────────

const Apply = suite<Ctx>('cli: apply names the session its concurrent builds wait for, gives up at --wait-limit, exits 2 on a lost connection', {});

const base: ConfigInput = { ...monthlyTweetStar({ premake: 1, initial: true }) };
/** The same with an index on tweet."user": built CONCURRENTLY on each partition after the install's transaction. */
function withIndex(n: number): ConfigInput {
  const c = structuredClone(base) as ConfigInput & { models: Record<string, { indexes?: { columns: string[] }[] }> };
  c.models.tweet!.indexes = [{ columns: n === 1 ? ['user'] : n === 2 ? ['user', 'created_at'] : ['json'] }];
  return c;
}

Apply.before(async (ctx) => {
  ctx.db = await logged('roles', async () => {
    const db = await roleDatabase('waits', { idle: 'LOGIN' });
    const r = await psqlFile(db.url('owner'), writeInstallSql(base));
    assert.is(r.code, 0, r.stderr);
    return db;
  });
});
Apply.after(async (ctx) => ctx.db?.drop());

function appUrl(db: RoleDatabase, app: string, via?: { host: string; port: number }): string {
  const u = new URL(db.url('owner'));
  u.searchParams.set('application_name', app);
  if (via) {
    u.hostname = via.host;
    u.port = String(via.port);
  }
  return u.toString();
}

/** The backend of application `app` waits for session `pid`. */
const waitsFor = (c: pg.Client, app: string, pid: number) => (): Promise<boolean> =>
  scalar<boolean>(c, `SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = $1 AND $2 = ANY (pg_blocking_pids(pid)))`, [app, pid]);

Apply('a connect-only role\'s open snapshot: named while apply waits; --wait-limit gives up with exit 2; the next apply finishes', async (ctx) => {
  const db = ctx.db!;
  const idle = await db.as('idle');
  await idle.query(`SET application_name = 'idle-report'`);
  const ipid = await pidOf(idle);
  await idle.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await idle.query('SELECT 1');
  try {
    // The holder never ends: apply must give up by itself, naming it.
    const r = await runCli(['apply', '--wait-limit', '1', '--config', writeConfig(withIndex(1)), '--database-url', appUrl(db, 'apply-1')]);
    assert.is(r.code, 2, r.stdout + r.stderr);
    const who = `pid ${ipid} (role ${db.roles.idle}, application "idle-report")`;
    assert.match(r.stdout, `for ${who} to end its transaction: build `);
    assert.match(r.stderr, `gave up on build `);
    assert.match(r.stderr, `after waiting 1 s (--wait-limit) for ${who}: end that transaction`);
  } finally {
    await idle.query('COMMIT');
  }
  // Once it ended, the next apply finishes the build.
  const again = await runCli(['apply', '--config', writeConfig(withIndex(1)), '--database-url', appUrl(db, 'apply-2')]);
  assert.is(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /done: the database matches/);
});

Apply('the holder ends while apply waits for it: apply, having named it, goes on and finishes', async (ctx) => {
  const db = ctx.db!;
  const idle = await db.as('idle');
  const ipid = await pidOf(idle);
  await idle.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await idle.query('SELECT 1');
  const run = startCli(['apply', '--config', writeConfig(withIndex(2)), '--database-url', appUrl(db, 'apply-3')]);
  try {
    await until('apply names the session it waits for', () => run.stdout().includes(`for pid ${ipid} (role ${db.roles.idle}`), { unless: run.done });
  } finally {
    await idle.query('COMMIT');
  }
  const r = await run.done;
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /done: the database matches/);
});

/** A TCP relay to the server whose connections the test can cut at once. */
async function relay(to: URL): Promise<{ host: string; port: number; cut: () => void; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(to.port || 5432), to.hostname);
    sockets.push(client, upstream);
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    host: '127.0.0.1',
    port,
    cut: () => { for (const s of sockets) s.destroy(); },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

Apply('its connection cut while a build waits: exit 2, a database error saying the connection was lost', async (ctx) => {
  const db = ctx.db!;
  const idle = await db.as('idle');
  const ipid = await pidOf(idle);
  const net = await relay(new URL(db.url('owner')));
  await idle.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await idle.query('SELECT 1');
  try {
    const run = startCli(['apply', '--config', writeConfig(withIndex(3)), '--database-url', appUrl(db, 'apply-cut', net)]);
    await until('apply\'s build waits for the snapshot', waitsFor(await db.as('owner'), 'apply-cut', ipid), { unless: run.done });
    net.cut();
    const r = await run.done;
    assert.is(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /^database error: the connection to the server was lost/m);
  } finally {
    await idle.query('COMMIT');
    await net.close();
  }
});

Apply.run();
