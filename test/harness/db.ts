// Helpers for tests that need a real database. test/run.ts starts the cluster
// and publishes its URL in PGPART_TEST_DATABASE_URL before importing any test.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** URL of the admin database (`postgres`) of the test cluster. */
export function adminUrl(): string {
  const url = process.env.PGPART_TEST_DATABASE_URL;
  if (!url) {
    throw new Error('PGPART_TEST_DATABASE_URL is not set: run tests through test/run.ts (npm test)');
  }
  return url;
}

/** Whether the test cluster preloads pg_cron (published by test/run.ts). */
export function preloadCron(): boolean {
  return process.env.PGPART_TEST_PRELOAD_CRON === '1';
}

/** Same server and credentials as `base`, different database. */
export function databaseUrl(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/**
 * A pg.Client that does not crash the process when its backend goes away
 * (DROP DATABASE ... WITH (FORCE), server shutdown): pg emits 'error' on idle
 * clients, and an unhandled 'error' event would kill the whole test run.
 */
export function newClient(url: string): pg.Client {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  return client;
}

export interface FreshDatabase {
  url: string;
  name: string;
  /** Connected client on the new database. */
  client: pg.Client;
  /** Ends `client` and drops the database, kicking out any other sessions. Idempotent. */
  drop(): Promise<void>;
}

/** Runs `fn` with a connected client to the admin database (the cluster's superuser). */
export async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = newClient(adminUrl());
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end().catch(() => {});
  }
}

/**
 * Creates a database with a unique name so tests can run side by side and
 * leave nothing behind: `<prefix>_<random hex>`, lower case, a valid
 * unquoted identifier within the 63-byte limit.
 */
export async function freshDatabase(prefix: string): Promise<FreshDatabase> {
  let base = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[a-z_]/.test(base)) base = 't_' + base;
  const name = `${base.slice(0, 50)}_${randomBytes(5).toString('hex')}`;

  await withAdmin((admin) => admin.query(`CREATE DATABASE ${quoteIdent(name)}`));
  const url = databaseUrl(adminUrl(), name);
  const client = newClient(url);
  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    await client.end().catch(() => {});
    await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
  };
  try {
    await client.connect();
  } catch (err) {
    await drop().catch(() => {});
    throw err;
  }
  return { url, name, client, drop };
}

export interface PsqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The psql binary to use; PGPART_TEST_PSQL overrides PATH lookup. */
function psqlBinary(): string {
  return process.env.PGPART_TEST_PSQL || 'psql';
}

/** Output bigger than this is a runaway test, not something to keep in memory. */
const MAX_OUTPUT = 256 * 1024 * 1024;

/**
 * Runs the real psql, the way a user would apply our SQL files. Never throws
 * for a non-zero exit (tests assert on it); throws only if psql cannot start.
 */
function runPsql(url: string, args: readonly string[], stdin?: string): Promise<PsqlResult> {
  return new Promise((resolve, reject) => {
    // -X: ignore ~/.psqlrc; ON_ERROR_STOP: exit 3 at the first failing statement.
    const child = spawn(psqlBinary(), ['-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', url, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Never prompt for a password: a prompt would hang with no terminal.
      env: { ...process.env, PGCONNECT_TIMEOUT: process.env.PGCONNECT_TIMEOUT ?? '10' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) {
        child.kill('SIGKILL');
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (e) => reject(new Error(`cannot run ${psqlBinary()}: ${e.message}`)));
    child.on('close', (code, signal) => {
      let stderr = Buffer.concat(err).toString('utf8');
      if (size > MAX_OUTPUT) stderr += `\n[harness: psql output exceeded ${MAX_OUTPUT} bytes, killed]`;
      else if (signal) stderr += `\n[harness: psql killed by ${signal}]`;
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
    // stdin must be closed when unused, or psql could wait on it.
    child.stdin.on('error', () => {}); // psql may exit before reading all of it
    child.stdin.end(stdin ?? '');
  });
}

/** `psql -f file` against `url`. */
export function psqlFile(url: string, file: string, extraArgs: readonly string[] = []): Promise<PsqlResult> {
  return runPsql(url, ['-w', '-f', file, ...extraArgs]);
}

/**
 * Runs `sql` through psql as if it were a file (fed on stdin), so statements
 * run one by one as in a script and psql meta-commands work; unlike `-c`,
 * which sends everything as one implicit transaction.
 */
export function psqlCommand(url: string, sql: string, extraArgs: readonly string[] = []): Promise<PsqlResult> {
  return runPsql(url, ['-w', '-f', '-', ...extraArgs], sql);
}

/** Opens `n` connected clients to `url`, runs `fn`, and always closes them. */
export async function withClients<T>(url: string, n: number, fn: (clients: pg.Client[]) => Promise<T>): Promise<T> {
  const clients = Array.from({ length: n }, () => newClient(url));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    return await fn(clients);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

/** The test server's server_version_num (160014), published by test/harness/group.ts. */
export function serverVersionNum(): number {
  const v = Number(process.env.PGPART_TEST_SERVER_VERSION_NUM);
  if (!v) throw new Error('PGPART_TEST_SERVER_VERSION_NUM is not set: run tests through test/run.ts (npm test)');
  return v;
}

/** The test server's major version (16). */
export function serverMajor(): number {
  return Math.floor(serverVersionNum() / 10000);
}
