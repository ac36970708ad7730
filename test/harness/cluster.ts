// A throwaway PostgreSQL cluster of one major for a test run.
//
// Tests must run against a real server (pg_cron, plpgsql_check, locking), so the harness
// builds one from that major's server binaries (test/harness/majors.ts) in a fresh temp
// dir, on a free port, as a non-root OS user, and tears it down afterwards. Setting
// PGPART_TEST_DATABASE_URL skips all of that and uses an existing server.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, chownSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { serverBinDir } from './binaries.js';
import { extensionDir, majorInfo, type Major } from './majors.js';
import { asUser, run, serverOsUser, userCan, type RunResult } from './os.js';

export interface Cluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres (or the external URL). */
  url: string;
  /** Stops the server and removes its files; a no-op for an external server. */
  stop(): Promise<void>;
  /**
   * A crash and a restart: every process of the server stops at once, with no checkpoint
   * (pg_ctl stop -m immediate), and the server starts again on the same port, recovering
   * from its WAL as after a power cut. Refused for an external server.
   */
  crash(): Promise<void>;
  /** The server's log file as far as it is written ('' for an external server). */
  log(): string;
  /** Whether pg_cron is in shared_preload_libraries (CREATE EXTENSION pg_cron works in db `postgres`). */
  preloadCron: boolean;
  /** `SHOW server_version`'s number part ('16.14') and server_version_num (160014). */
  version: string;
  versionNum: number;
  /** Extensions CREATE EXTENSION can make on this server (pg_available_extensions). */
  extensions: string[];
}

/** Returns a TCP port that was free a moment ago (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not allocate a TCP port'))));
    });
  });
}

/** Quotes a value for postgresql.conf. */
function confString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** Reads a file for an error message without letting a read error mask the real one. */
function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface LocalOptions {
  /** The checkout whose node_modules holds the npm-packaged majors (this one by default). */
  checkout?: string;
  /**
   * Libraries to preload before pg_cron (Citus must come first in shared_preload_libraries),
   * and settings they need; test/harness/citus.ts starts its nodes with them.
   */
  preload?: string[];
  settings?: Record<string, string>;
}

/** A new cluster of major `m`, whatever PGPART_TEST_DATABASE_URL says. */
export async function startLocalCluster(m: Major, options: LocalOptions = {}): Promise<Cluster> {
  const osUser = await serverOsUser();
  const bin = await serverBinDir(m, osUser, options.checkout);
  const preloadCron = existsSync(path.join(extensionDir(m, bin), 'pg_cron.control'));

  const baseDir = mkdtempSync(path.join(os.tmpdir(), `pgpart-test-${m.major}-`));
  const dataDir = path.join(baseDir, 'data');
  const logFile = path.join(baseDir, 'server.log');
  const pgCtl = path.join(bin, 'pg_ctl');
  // The server's own user must own the dir (it holds the socket and the log);
  // mkdtemp's 0700 is fine because tests connect over TCP.
  if (osUser) chownSync(baseDir, osUser.uid, osUser.gid);
  if (osUser && !(await userCan(osUser, '-w', baseDir))) {
    rmSync(baseDir, { recursive: true, force: true });
    throw new Error(`OS user ${osUser.name}, which runs the test servers, cannot enter ${os.tmpdir()}: set TMPDIR to a directory it can (such as /tmp)`);
  }

  /** Runs a command as the server's OS user. */
  const runAsServerUser = (cmd: string, args: string[]): Promise<RunResult> => {
    const [c, a] = asUser(osUser, cmd, args);
    // cwd = baseDir: the server user may not be able to enter the caller's cwd.
    return run(c, a, baseDir);
  };

  let stopped = false;
  let started = false;
  /** Synchronous so it can run from process 'exit'. */
  const cleanupSync = (): void => {
    if (stopped) return;
    stopped = true;
    if (started) {
      const [c, a] = asUser(osUser, pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '120']);
      spawnSync(c, a, { cwd: baseDir, stdio: 'ignore' });
    }
    rmSync(baseDir, { recursive: true, force: true });
  };
  const onExit = (): void => cleanupSync();
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanupSync();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  // Registered before initdb so a crash at any point still removes the dir
  // and never leaves a postmaster behind.
  process.on('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const unregister = (): void => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };

  try {
    const initArgs = ['-D', dataDir, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--no-sync'];
    let init = await runAsServerUser(path.join(bin, 'initdb'), [...initArgs, '--locale=C.UTF-8']);
    if (init.code !== 0) {
      // C.UTF-8 is missing on some systems (older glibc, minimal images).
      rmSync(dataDir, { recursive: true, force: true });
      init = await runAsServerUser(path.join(bin, 'initdb'), [...initArgs, '--no-locale']);
    }
    if (init.code !== 0) throw new Error(`initdb failed (exit ${init.code}):\n${init.stderr || init.stdout}`);

    const settings: Record<string, string> = {
      listen_addresses: confString('127.0.0.1'),
      unix_socket_directories: confString(baseDir),
      // Durability is worthless for a throwaway cluster; these make DDL-heavy tests fast.
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      // Concurrency tests open many sessions and lock many partitions at once.
      max_connections: '200',
      max_locks_per_transaction: '256',
    };
    const preload = [...(options.preload ?? []), ...(preloadCron ? ['pg_cron'] : [])];
    if (preload.length) settings.shared_preload_libraries = confString(preload.join(','));
    Object.assign(settings, options.settings ?? {});
    if (preloadCron) {
      settings['cron.database_name'] = confString('postgres');
      // pg_cron runs jobs through libpq; pointing it at our socket dir avoids
      // `localhost` resolving to ::1, where this server does not listen.
      settings['cron.host'] = confString(baseDir);
    }
    const conf = Object.entries(settings)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n');
    // appendFile keeps the file's owner (the server user).
    appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n# pgpart test harness\n${conf}\n`);

    // The port is free when we check but could be taken before the server
    // binds it, so retry a few times with a new one. pg_ctl's wait only guards against a
    // server that never comes up: a busy machine may take a while to start one.
    let port = 0;
    let lastError = '';
    for (let attempt = 1; attempt <= 3 && !started; attempt++) {
      port = await freePort();
      writeFileSync(logFile, '');
      if (osUser) chownSync(logFile, osUser.uid, osUser.gid);
      const r = await runAsServerUser(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '300', '-o', `-p ${port}`]);
      if (r.code === 0) started = true;
      else lastError = `pg_ctl start failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}\n--- server log ---\n${tail(logFile)}`;
    }
    if (!started) throw new Error(lastError);

    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const facts = await serverFacts(url);
    if (Math.floor(facts.versionNum / 10000) !== m.major) {
      throw new Error(`the PostgreSQL ${m.major} binaries in ${bin} started a ${facts.version} server`);
    }
    return {
      url,
      preloadCron,
      ...facts,
      async crash(): Promise<void> {
        const [c, a] = asUser(osUser, pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '120']);
        const down = await run(c, a, baseDir);
        if (down.code !== 0) throw new Error(`pg_ctl stop -m immediate failed (exit ${down.code}): ${down.stderr.trim()}`);
        const up = await runAsServerUser(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '300', '-o', `-p ${port}`]);
        if (up.code !== 0) throw new Error(`pg_ctl start after the crash failed (exit ${up.code}): ${up.stderr.trim()}\n--- server log ---\n${tail(logFile)}`);
      },
      /** The server's log so far. */
      log(): string {
        return tail(logFile, 10_000);
      },
      async stop(): Promise<void> {
        if (stopped) return;
        stopped = true;
        unregister();
        const [c, a] = asUser(osUser, pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '120']);
        await run(c, a, baseDir);
        rmSync(baseDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    cleanupSync();
    unregister();
    throw err;
  }
}

/** What the tests need to know of a running server. */
async function serverFacts(url: string): Promise<{ version: string; versionNum: number; extensions: string[]; libs: string }> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const res = await client.query<{ version: string; num: string; libs: string; exts: string[] }>(`
      SELECT split_part(current_setting('server_version'), ' ', 1) AS version, current_setting('server_version_num') AS num,
             current_setting('shared_preload_libraries') AS libs,
             ARRAY(SELECT name::text FROM pg_available_extensions ORDER BY 1) AS exts`);
    const r = res.rows[0]!;
    return { version: r.version, versionNum: Number(r.num), extensions: r.exts, libs: r.libs };
  } finally {
    await client.end().catch(() => {});
  }
}

/** For an external server, ask it whether pg_cron is preloaded instead of guessing. */
async function externalCluster(url: string): Promise<Cluster> {
  try {
    const { libs, ...facts } = await serverFacts(url);
    return {
      url, preloadCron: /(^|[\s,])pg_cron($|[\s,])/.test(libs), ...facts, stop: async () => {},
      crash: () => Promise.reject(new Error('an external server (PGPART_TEST_DATABASE_URL) is not crashed by the tests')),
      log: () => '',
    };
  } catch (err) {
    throw new Error(`cannot connect to PGPART_TEST_DATABASE_URL: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The server PGPART_TEST_DATABASE_URL names, else a new cluster of `major`. */
export async function startCluster(major: number): Promise<Cluster> {
  const external = process.env.PGPART_TEST_DATABASE_URL;
  if (external) return externalCluster(external);
  return startLocalCluster(majorInfo(major));
}
