/**
 * Where and how to connect, as libpq (psql) reads it: `--database-url`, else DATABASE_URL, a
 * postgresql:// URL parsed by pg-connection-string (node-postgres's own parser); whatever it
 * leaves out comes from the PG* variables, then libpq's defaults (the local socket, the OS
 * user, the user's name as the database). The password: the URL's, else PGPASSWORD, else the
 * password file (PGPASSFILE or ~/.pgpass), read with the pgpass package here, so
 * node-postgres does not read it itself and print its deprecation warning.
 *
 * `sslmode` means what it means to libpq, `prefer` by default: `disable`, `allow` (plain,
 * then SSL if the server asks for it), `prefer` (SSL, then plain if the server has none),
 * `require` (SSL, the certificate checked only when a root certificate is given),
 * `verify-ca` (the chain checked against sslrootcert), `verify-full` (and the host name).
 * node-postgres alone fails `prefer` against a server without SSL, which psql connects to.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse } from 'pg-connection-string';
import pgpass from 'pgpass';
import { UserError } from '../cli/errors.js';
import { pinSearchPath } from './session.js';

/** The explicit URL, else DATABASE_URL; undefined when neither is set (or either is empty). */
export function resolveDatabaseUrl(explicit?: string): string | undefined {
  return explicit || process.env.DATABASE_URL || undefined;
}

/** The URL with its password replaced by `***`, fit to print. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    // Not a URL (a socket path, a key=value string): hide anything that looks like a password.
    return url.replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
  }
}

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** A connection target as libpq resolves it; `ssl` is what each SSL attempt uses. */
export interface Target {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string | undefined;
  sslmode: SslMode;
  /** The TLS options of an SSL attempt (certificates read, verification as sslmode says). */
  ssl: pg.ClientConfig['ssl'];
  applicationName: string | undefined;
  connectTimeout: number | undefined;
  options: string | undefined;
}

/** A connection setting that cannot work as given (a bad sslmode, a missing certificate): the user's to fix, exit 1. */
function connectionProblem(message: string): Error {
  return new UserError(message);
}

const SSL_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslpassword'];

/** Resolves a URL (or none) with the environment, as libpq would. Reads no password file. */
export function resolveTarget(url: string | undefined, env: NodeJS.ProcessEnv = process.env): Target {
  const ssl: Record<string, string> = {};
  let fromUrl: Partial<ReturnType<typeof parse>> = {};
  if (url) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw connectionProblem(`cannot use "${maskUrl(url)}": give the database as a postgresql:// URL (key=value connection strings are not supported)`);
    }
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw connectionProblem(`cannot parse the URL ${maskUrl(url)}: check its quoting (a password with @, / or # must be percent-encoded)`);
    }
    // The SSL parameters are read here, with their PG* variables and defaults; the rest by pg-connection-string.
    for (const p of SSL_PARAMS) {
      const v = u.searchParams.get(p);
      if (v !== null) ssl[p] = v;
      u.searchParams.delete(p);
    }
    fromUrl = parse(u.toString());
  }
  const pick = (v: string | null | undefined, envName: string): string | undefined => (v ? v : env[envName] || undefined);
  const port = Number(pick(fromUrl.port, 'PGPORT') ?? 5432);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw connectionProblem(`invalid port "${pick(fromUrl.port, 'PGPORT')}"`);
  const user = pick(fromUrl.user, 'PGUSER') ?? userInfo().username;
  const host = pick(fromUrl.host, 'PGHOST') ?? defaultHost(port);
  const sslmode = (ssl.sslmode ?? env.PGSSLMODE ?? 'prefer') as SslMode;
  if (!SSL_MODES.includes(sslmode)) throw connectionProblem(`invalid sslmode "${sslmode}": use one of ${SSL_MODES.join(', ')}`);
  const timeout = pick((fromUrl as { connect_timeout?: string }).connect_timeout, 'PGCONNECT_TIMEOUT');
  return {
    host, port, user,
    database: pick(fromUrl.database, 'PGDATABASE') ?? user,
    password: pick(fromUrl.password, 'PGPASSWORD'),
    sslmode,
    ssl: tlsOptions(sslmode, host, ssl, env),
    applicationName: pick(fromUrl.application_name, 'PGAPPNAME'),
    connectTimeout: timeout === undefined ? undefined : Number(timeout),
    options: pick(fromUrl.options, 'PGOPTIONS'),
  };
}

/** libpq's default host: the local socket where a server listens on it (Debian's directory, then /tmp), else localhost. */
function defaultHost(port: number): string {
  return ['/var/run/postgresql', '/tmp'].find((d) => existsSync(join(d, `.s.PGSQL.${port}`))) ?? 'localhost';
}

function tlsOptions(mode: SslMode, host: string, params: Record<string, string>, env: NodeJS.ProcessEnv): pg.ClientConfig['ssl'] {
  if (mode === 'disable') return false;
  const dir = join(env.HOME || homedir(), '.postgresql');
  const file = (param: string, envName: string, fallback: string): string | undefined => {
    const given = params[param] ?? env[envName];
    if (given) return given;
    const f = join(dir, fallback);
    return existsSync(f) ? f : undefined;
  };
  const read = (what: string, f: string): string => {
    try {
      return readFileSync(f, 'utf8');
    } catch (err) {
      throw connectionProblem(`cannot read the ${what} ${f}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`);
    }
  };
  const rootcert = file('sslrootcert', 'PGSSLROOTCERT', 'root.crt');
  const cert = file('sslcert', 'PGSSLCERT', 'postgresql.crt');
  const key = file('sslkey', 'PGSSLKEY', 'postgresql.key');
  const tls: Exclude<pg.ClientConfig['ssl'], boolean | undefined> = {};
  if (cert && key) {
    tls.cert = read('client certificate (sslcert)', cert);
    tls.key = read('client key (sslkey)', key);
    const passphrase = params.sslpassword;
    if (passphrase) tls.passphrase = passphrase;
  }
  // sslrootcert=system: the operating system's trusted authorities (Node's), as libpq 16+.
  const ca = rootcert && rootcert !== 'system' ? read('root certificate (sslrootcert)', rootcert) : undefined;
  if (ca) tls.ca = ca;
  const verifyChain = mode === 'verify-ca' || mode === 'verify-full' || (mode === 'require' && rootcert !== undefined);
  if (mode === 'verify-ca' && !rootcert) {
    throw connectionProblem('sslmode=verify-ca needs the root certificate to verify against: set sslrootcert in the URL or PGSSLROOTCERT, '
      + `or put it in ${join(dir, 'root.crt')} (sslrootcert=system uses the system's)`);
  }
  tls.rejectUnauthorized = verifyChain;
  // verify-ca (and require with a root certificate) checks the chain, not the name: libpq's meaning.
  if (verifyChain && mode !== 'verify-full') tls.checkServerIdentity = () => undefined;
  if (mode === 'verify-full' && !/^[\d.:]+$/.test(host)) tls.servername = host;
  return tls;
}

/** The password for a target: its own, else the password file's line for it (libpq's rules: a socket is `localhost`). */
export function passwordFor(t: Target, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (t.password !== undefined) return Promise.resolve(t.password);
  if (env.PGPASSWORD !== undefined) return Promise.resolve(env.PGPASSWORD);
  return new Promise((resolve) => {
    pgpass({ host: t.host.startsWith('/') ? 'localhost' : t.host, port: t.port, database: t.database, user: t.user }, resolve);
  });
}

function clientConfig(t: Target, ssl: pg.ClientConfig['ssl']): pg.ClientConfig {
  return {
    host: t.host, port: t.port, user: t.user, database: t.database,
    // A function: node-postgres then leaves the password file alone (it would warn that it reads it).
    password: () => passwordFor(t).then((p) => {
      if (p !== undefined) return p;
      throw new Error(`the server asks for a password and none was given (in the URL, PGPASSWORD, or a line for ${t.host}:${t.port} `
        + `in ${process.env.PGPASSFILE || '~/.pgpass'})`);
    }),
    ssl: t.host.startsWith('/') ? false : ssl,
    ...(t.applicationName ? { application_name: t.applicationName } : {}),
    ...(t.connectTimeout ? { connectionTimeoutMillis: t.connectTimeout * 1000 } : {}),
    ...(t.options ? { options: t.options } : {}),
  };
}

/** The attempts sslmode makes, in order: SSL options, or false for a plain connection. */
function attempts(t: Target): pg.ClientConfig['ssl'][] {
  switch (t.sslmode) {
    case 'disable': return [false];
    case 'allow': return [false, t.ssl];
    case 'prefer': return [t.ssl, false];
    default: return [t.ssl];
  }
}

/** Whether a failed attempt is one the next attempt of its sslmode answers. */
function retryable(t: Target, err: unknown, withSsl: boolean): boolean {
  const message = (err as Error)?.message ?? '';
  // prefer: the server answered the SSL request with "no".
  if (withSsl) return t.sslmode === 'prefer' && /does not support SSL/i.test(message);
  // allow: pg_hba.conf has only hostssl lines for us.
  return t.sslmode === 'allow' && (err as { code?: string })?.code === '28000' && /no encryption|SSL off/i.test(message);
}

/**
 * A connected client, its search_path pinned for pgpart's own queries (./session.ts). A
 * failure to reach the server is rethrown with SQLSTATE 08001, so the CLI reports it as a
 * database error (exit 2) naming the (masked) target and the sslmode, not as a crash; errors
 * the server itself sends (bad password, no such database) keep their own code.
 */
export async function connect(url?: string): Promise<pg.Client> {
  const target = resolveTarget(url);
  const tries = attempts(target);
  for (let i = 0; ; i++) {
    const ssl = tries[i]!;
    const client = new pg.Client(clientConfig(target, ssl));
    // An idle client whose backend goes away emits 'error'; unhandled, that kills the process.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => {});
      if (i + 1 < tries.length && retryable(target, err, ssl !== false)) continue;
      if (typeof (err as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code)) throw err;
      const where = url ? maskUrl(url) : `${target.host}:${target.port} (from the PG* variables)`;
      // Node's AggregateError (IPv6 and IPv4 both refused) has an empty message; its code does not.
      let why = (err as Error).message || String((err as { code?: unknown }).code ?? err);
      if (/does not support SSL/i.test(why)) why = `the server does not support SSL, and sslmode=${target.sslmode} requires it (sslmode=prefer falls back to a plain connection)`;
      throw Object.assign(new Error(`cannot connect to ${where}: ${why}`), { code: '08001' });
    }
    try {
      await pinSearchPath(client);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    return client;
  }
}
