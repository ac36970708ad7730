// Connecting as libpq does (src/db/connect.ts), against the real server: sslmode against a
// server without SSL (prefer and allow connect plainly, require fails saying why, with exit 2
// from the CLI), the password file read without node-postgres's deprecation warning, then
// the same server with SSL switched on (a throwaway CA and server certificate made with
// openssl): require uses SSL, verify-ca checks the chain, verify-full the host name too,
// allow retries with SSL where pg_hba.conf wants it. The server's settings and pg_hba.conf
// are put back afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import * as assert from 'uvu/assert';
import { connect, resolveTarget } from '../../src/db/connect.js';
import { runCli } from '../harness/cli.js';
import { adminUrl, withAdmin } from '../harness/db.js';
import { suiteUnless } from '../harness/needs.js';
import { logged } from './helpers.js';

const u = new URL(adminUrl());
const port = u.port;
const url = (host: string, params: Record<string, string> = {}, user = 'postgres'): string => {
  const q = new URLSearchParams(params).toString();
  return `postgresql://${user}@${host}:${port}/postgres${q ? `?${q}` : ''}`;
};

async function usesSsl(client: pg.Client): Promise<boolean> {
  try {
    return (await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0]!.ssl;
  } finally {
    await client.end();
  }
}

async function connectError(target: string): Promise<{ code?: string; message: string }> {
  try {
    const c = await connect(target);
    await c.end();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  assert.unreachable(`connecting to ${target} should fail`);
  throw new Error('unreachable');
}

/** Runs fn with a line put first in pg_hba.conf, then puts the file back. */
async function withHba<T>(lines: string[], fn: () => Promise<T>): Promise<T> {
  const file = await withAdmin(async (a) => (await a.query<{ f: string }>("SELECT current_setting('hba_file') AS f")).rows[0]!.f);
  const before = readFileSync(file, 'utf8');
  writeFileSync(file, `${lines.join('\n')}\n${before}`);
  await withAdmin((a) => a.query('SELECT pg_reload_conf()'));
  try {
    return await fn();
  } finally {
    writeFileSync(file, before);
    await withAdmin((a) => a.query('SELECT pg_reload_conf()'));
  }
}

// The server's configuration is changed for a moment: not on a server the harness did not start.
const external = process.env.PGPART_TEST_EXTERNAL === '1' ? 'PGPART_TEST_DATABASE_URL names a server the harness did not start: its SSL settings and pg_hba.conf are not the tests\' to change' : null;
const hasOpenssl = spawnSync('openssl', ['version']).status === 0 ? null : 'openssl is not installed: the tests make their certificates with it';

const Plain = suiteUnless('connect: a server without SSL', external, {});

Plain('the URL and the PG* variables are read as libpq reads them', () => {
  const t = resolveTarget('postgresql://ann@db.example:6543/shop?sslmode=verify-full&sslrootcert=system&application_name=x',
    { PGPORT: '1', PGUSER: 'bob', PGDATABASE: 'other', PGSSLMODE: 'disable', HOME: tmpdir() });
  assert.equal([t.host, t.port, t.user, t.database, t.sslmode, t.applicationName], ['db.example', 6543, 'ann', 'shop', 'verify-full', 'x']);
  const e = resolveTarget(undefined, { PGHOST: 'h', PGPORT: '7', PGUSER: 'u', PGSSLMODE: 'require', HOME: tmpdir() });
  assert.equal([e.host, e.port, e.user, e.database, e.sslmode], ['h', 7, 'u', 'u', 'require']);
  assert.is(resolveTarget(undefined, { PGHOST: 'h', HOME: tmpdir() }).sslmode, 'prefer', 'libpq\'s default');
  assert.throws(() => resolveTarget('postgresql://h/db?sslmode=sometimes'), /invalid sslmode "sometimes": use one of disable, allow, prefer, require, verify-ca, verify-full/);
  assert.throws(() => resolveTarget('postgresql://h/db?sslmode=verify-ca', { HOME: tmpdir() }), /sslmode=verify-ca needs the root certificate/);
  assert.throws(() => resolveTarget('host=h dbname=db'), /give the database as a postgresql:\/\/ URL/);
});

Plain('prefer (the default) and allow connect without SSL; disable too', async () => {
  for (const sslmode of ['prefer', 'allow', 'disable']) assert.is(await usesSsl(await connect(url('127.0.0.1', { sslmode }))), false, sslmode);
  assert.is(await usesSsl(await connect(url('127.0.0.1'))), false, 'no sslmode: prefer');
});

Plain('require fails, saying the server has no SSL; the CLI exits 2 with that line', async () => {
  const err = await connectError(url('127.0.0.1', { sslmode: 'require' }));
  assert.is(err.code, '08001');
  assert.match(err.message, /^cannot connect to \S+: the server does not support SSL, and sslmode=require requires it/);
  const r = await runCli(['status', '--database-url', url('127.0.0.1', { sslmode: 'require' })]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /^database error: cannot connect to .*the server does not support SSL/);
  const env = await runCli(['status', '--database-url', url('127.0.0.1')], { ...process.env, PGSSLMODE: 'require' });
  assert.match(env.stderr, /sslmode=require/, 'PGSSLMODE is read when the URL has no sslmode');
});

Plain('the password file is read, without node-postgres\'s deprecation warning', async () => {
  await withAdmin((a) => a.query(`DROP ROLE IF EXISTS pgpass_user; CREATE ROLE pgpass_user LOGIN PASSWORD 'p:ss\\word'`));
  const dir = mkdtempSync(path.join(tmpdir(), 'pgpart-pgpass-'));
  const file = path.join(dir, 'pgpass');
  writeFileSync(file, `127.0.0.1:${port}:*:pgpass_user:p\\:ss\\\\word\n`);
  chmodSync(file, 0o600);
  await withHba([`host all pgpass_user 127.0.0.1/32 scram-sha-256`], async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { warnings.push(w.message); };
    process.on('warning', onWarning);
    const saved = { file: process.env.PGPASSFILE, password: process.env.PGPASSWORD };
    process.env.PGPASSFILE = file;
    delete process.env.PGPASSWORD;
    try {
      const c = await connect(url('127.0.0.1', {}, 'pgpass_user'));
      assert.is((await c.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u, 'pgpass_user');
      await c.end();
      process.env.PGPASSFILE = path.join(dir, 'missing');
      const err = await connectError(url('127.0.0.1', {}, 'pgpass_user'));
      assert.match(err.message, /the server asks for a password and none was given \(in the URL, PGPASSWORD, or a line for 127\.0\.0\.1:\d+ in .*missing\)/);
    } finally {
      process.off('warning', onWarning);
      if (saved.file === undefined) delete process.env.PGPASSFILE; else process.env.PGPASSFILE = saved.file;
      if (saved.password !== undefined) process.env.PGPASSWORD = saved.password;
      await withAdmin((a) => a.query('DROP ROLE pgpass_user'));
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(warnings, [], 'no warning printed');
  });
});

Plain.run();

interface Certs { dir: string; ca: string; localhostOnly: string }

/** A CA and a server certificate it signed, for `localhost` only (not 127.0.0.1), readable by the server's OS user. */
function makeCerts(owner: { uid: number; gid: number }): Certs {
  const dir = mkdtempSync(path.join(tmpdir(), 'pgpart-ssl-'));
  const o = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }); };
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=pgpart test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  o('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName = DNS:localhost\n');
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.crt');
  chmodSync(dir, 0o755);
  for (const f of ['server.crt', 'server.key']) chownSync(path.join(dir, f), owner.uid, owner.gid);
  chmodSync(path.join(dir, 'server.key'), 0o600);
  return { dir, ca: path.join(dir, 'ca.crt'), localhostOnly: path.join(dir, 'server.crt') };
}

const Ssl = suiteUnless<{ certs?: Certs }>('connect: the server with SSL on', external ?? hasOpenssl, {});
Ssl.before(async (ctx) => {
  await logged('ssl on', async () => {
    const dataDir = await withAdmin(async (a) => (await a.query<{ d: string }>("SELECT current_setting('data_directory') AS d")).rows[0]!.d);
    const st = statSync(dataDir);
    ctx.certs = makeCerts({ uid: st.uid, gid: st.gid });
    await withAdmin(async (a) => {
      await a.query(`ALTER SYSTEM SET ssl_cert_file = '${path.join(ctx.certs!.dir, 'server.crt')}'`);
      await a.query(`ALTER SYSTEM SET ssl_key_file = '${path.join(ctx.certs!.dir, 'server.key')}'`);
      await a.query('ALTER SYSTEM SET ssl = on');
      await a.query('SELECT pg_reload_conf()');
    });
  });
});
Ssl.after(async () => {
  await withAdmin(async (a) => {
    for (const s of ['ssl', 'ssl_cert_file', 'ssl_key_file']) await a.query(`ALTER SYSTEM RESET ${s}`);
    await a.query('SELECT pg_reload_conf()');
  });
});

Ssl('require and prefer use SSL; disable does not', async () => {
  assert.is(await usesSsl(await connect(url('127.0.0.1', { sslmode: 'require' }))), true);
  assert.is(await usesSsl(await connect(url('127.0.0.1', { sslmode: 'prefer' }))), true);
  assert.is(await usesSsl(await connect(url('127.0.0.1', { sslmode: 'disable' }))), false);
});

Ssl('verify-full with the CA: the name must match; verify-ca checks the chain alone', async (ctx) => {
  const ca = ctx.certs!.ca;
  assert.is(await usesSsl(await connect(url('localhost', { sslmode: 'verify-full', sslrootcert: ca }))), true);
  const wrongName = await connectError(url('127.0.0.1', { sslmode: 'verify-full', sslrootcert: ca }));
  assert.match(wrongName.message, /IP: 127\.0\.0\.1 is not in the cert's list/);
  assert.is(await usesSsl(await connect(url('127.0.0.1', { sslmode: 'verify-ca', sslrootcert: ca }))), true);
  const noCa = await connectError(url('localhost', { sslmode: 'verify-full' }));
  assert.match(noCa.message, /self[- ]signed certificate|unable to (get|verify)/, 'the system\'s authorities do not know the test CA');
  // require with a root certificate given verifies the chain, as libpq's does.
  const otherCa = path.join(ctx.certs!.dir, 'server.crt');
  assert.match((await connectError(url('127.0.0.1', { sslmode: 'require', sslrootcert: otherCa }))).message, /certificate|verify/);
});

Ssl('allow connects plainly, and with SSL where pg_hba.conf accepts only SSL', async () => {
  assert.is(await usesSsl(await connect(url('127.0.0.1', { sslmode: 'allow' }))), false);
  await withAdmin((a) => a.query('DROP ROLE IF EXISTS ssl_only; CREATE ROLE ssl_only LOGIN'));
  try {
    await withHba(['hostnossl all ssl_only 127.0.0.1/32 reject', 'hostssl all ssl_only 127.0.0.1/32 trust'], async () => {
      assert.is(await usesSsl(await connect(url('127.0.0.1', { sslmode: 'allow' }, 'ssl_only'))), true);
      assert.match((await connectError(url('127.0.0.1', { sslmode: 'disable' }, 'ssl_only'))).message, /no encryption/);
    });
  } finally {
    await withAdmin((a) => a.query('DROP ROLE ssl_only'));
  }
});

Ssl.run();
