// `pgpart apply` interrupted: by its output's reader going away (`pgpart apply | head -3`,
// a real pipe closed early) it goes on and finishes, exit 0; by SIGTERM it stops after the
// statement running then, exit 2 saying what is left, and the next apply finishes; a
// CREATE INDEX CONCURRENTLY cancelled half way leaves an INVALID index, which the next apply
// drops and builds again. Each test holds apply at a build with a transaction whose snapshot
// the build waits for (as CREATE INDEX CONCURRENTLY does), and acts while it waits there.

import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type pg from 'pg';
import type { ConfigInput } from '../../src/config/schema.js';
import { compile } from '../../src/build.js';
import { withClients, type FreshDatabase } from '../harness/db.js';
import { cli, runCli, writeConfig } from '../harness/cli.js';
import { installed } from '../harness/install.js';
import { column, logged, monthlyTweetStar, pidOf, rows, scalar } from './helpers.js';
import { until } from './wait.js';

function base(): ConfigInput {
  return monthlyTweetStar({ premake: 3, initial: true, default: true });
}
function withIndex(n: number): ConfigInput {
  const c = base();
  (c.models.tweet as { indexes?: unknown }).indexes = [{ columns: ['user'] }, ...(n > 1 ? [{ columns: ['json'], using: 'gin' }] : [])];
  return c;
}

interface Child { code: Promise<number>; stdout: () => string; stderr: () => string; closeStdout: () => void; kill: (s: NodeJS.Signals) => void }

/** pgpart apply in a child process whose stdout is a real pipe this test reads, and may close. */
function applyIn(url: string, config: ConfigInput): Child {
  const u = new URL(url);
  u.searchParams.set('application_name', 'pgpart-apply');
  const child = spawn(process.execPath, [cli, 'apply', '--config', writeConfig(config), '--database-url', u.toString()],
    { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
  const code = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
  });
  return { code, stdout: () => stdout, stderr: () => stderr, closeStdout: () => child.stdout.destroy(), kill: (s) => child.kill(s) };
}

/** Holds a snapshot; returns the pid of apply's build once it waits for it. */
async function heldBuild(observer: pg.Client, gate: pg.Client, apply: Child): Promise<number> {
  const gatePid = await pidOf(gate);
  const held = await until('a CREATE INDEX CONCURRENTLY of pgpart apply waits for the held snapshot', async () =>
    (await rows<{ pid: number; query: string }>(observer, `
      SELECT pid, query FROM pg_stat_activity WHERE application_name = 'pgpart-apply' AND $1 = ANY (pg_blocking_pids(pid))`, [gatePid]))[0],
  { unless: apply.code });
  assert.match(held.query, /^CREATE INDEX CONCURRENTLY /);
  return held.pid;
}

async function openGate(gate: pg.Client): Promise<void> {
  await gate.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await gate.query('SELECT 1');
}

async function finished(c: pg.Client, config: ConfigInput): Promise<void> {
  assert.equal(await column(c, `SELECT x.indexrelid::regclass::text FROM pg_index x WHERE NOT x.indisvalid`), [], 'no invalid index');
  assert.is(await scalar(c, 'SELECT config_hash FROM parting.meta'), compile(config).hash);
  assert.equal(await column(c, `SELECT problem FROM parting.check()`), []);
}

const Apply = suite<{ db?: FreshDatabase }>('pgpart apply interrupted', {});
Apply.before(async (ctx) => { ctx.db = await logged('install', () => installed('lockstep_apply', base())); });
Apply.after(async (ctx) => ctx.db?.drop());

Apply('`pgpart apply | head -3`: the reader goes away while a build waits; apply finishes everything and exits 0', async (ctx) => {
  const db = ctx.db!;
  const config = withIndex(1);
  const apply = await withClients(db.url, 2, async ([gate, observer]) => {
    await openGate(gate!);
    const run = applyIn(db.url, config);
    try {
      await heldBuild(observer!, gate!, run);
      await until('apply printed three lines', () => run.stdout().split('\n').length > 3, { unless: run.code });
      run.closeStdout(); // what head -3 does once it has its lines
    } finally {
      await gate!.query('ROLLBACK');
    }
    return run;
  });
  assert.is(await apply.code, 0, apply.stderr());
  assert.match(apply.stderr(), /pgpart apply \(its output's reader went away early\): done: the database matches /);
  await finished(db.client, config);
});

Apply('SIGTERM while a build waits: that build ends, apply stops, exit 2 saying how much is left; the next apply finishes', async (ctx) => {
  const db = ctx.db!;
  const config = withIndex(2);
  const apply = await withClients(db.url, 2, async ([gate, observer]) => {
    await openGate(gate!);
    const run = applyIn(db.url, config);
    try {
      await heldBuild(observer!, gate!, run);
      run.kill('SIGTERM');
      await until('apply says it will stop', () => /SIGTERM: stopping after the statement running now/.test(run.stderr()), { unless: run.code });
    } finally {
      await gate!.query('ROLLBACK');
    }
    return run;
  });
  assert.is(await apply.code, 2, apply.stdout() + apply.stderr());
  assert.match(apply.stderr(), /pgpart apply stopped by SIGTERM: 1 of \d+ statement\(s\) after the install done, \d+ statement\(s\) after the install not run; run pgpart apply again to finish/);
  assert.is.not(await scalar(db.client, 'SELECT config_hash FROM parting.meta'), compile(config).hash);
  const again = await runCli(['apply', '--config', writeConfig(config), '--database-url', db.url]);
  assert.is(again.code, 0, again.stdout + again.stderr);
  await finished(db.client, config);
});

Apply('a build cancelled half way leaves an INVALID index: apply exits 2; the next apply drops it and builds it again', async (ctx) => {
  const db = ctx.db!;
  const config = withIndex(1);
  (config.models.star as { indexes?: unknown }).indexes = [{ columns: ['user'] }];
  const apply = await withClients(db.url, 2, async ([gate, observer]) => {
    await openGate(gate!);
    const run = applyIn(db.url, config);
    try {
      const pid = await heldBuild(observer!, gate!, run);
      await observer!.query('SELECT pg_cancel_backend($1)', [pid]);
    } finally {
      await gate!.query('ROLLBACK');
    }
    return run;
  });
  assert.is(await apply.code, 2, apply.stdout() + apply.stderr());
  const invalid = await column<string>(db.client, `SELECT x.indexrelid::regclass::text FROM pg_index x WHERE NOT x.indisvalid`);
  assert.ok(invalid.some((i) => /^star_\d{4}_\d{2}_user_idx$/.test(i)), JSON.stringify(invalid));
  const again = await runCli(['apply', '--config', writeConfig(config), '--database-url', db.url]);
  assert.is(again.code, 0, again.stdout + again.stderr);
  await finished(db.client, config);
});

Apply.run();
