// The operating-system side of running a test server: commands run without throwing, and
// the OS user the server runs as. initdb and postgres refuse to run as root, so when the
// runner is root they run as `postgres` (Debian's postgresql-common creates it) or as a
// system user made for the purpose; that user must then reach every file the server uses.

import { execFile } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without throwing on a non-zero exit; spawn errors (ENOENT) do throw. */
export function run(cmd: string, args: readonly string[], cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      // A string code (ENOENT, maxBuffer exceeded) means the command itself could not run.
      if (err && typeof err.code === 'string') {
        reject(new Error(`cannot run ${cmd}: ${err.message}`));
        return;
      }
      // A signal-killed child has err.code === null; report it as a failure.
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    // Nothing we run should ever read stdin; close it so a prompt cannot hang CI.
    child.stdin?.end();
  });
}

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** OS user created for the server when running as root and `postgres` does not exist. */
const FALLBACK_OS_USER = 'pgpart-test';

async function lookupUser(name: string): Promise<OsUser | undefined> {
  const u = await run('id', ['-u', name]);
  const g = await run('id', ['-g', name]);
  if (u.code !== 0 || g.code !== 0) return undefined;
  return { name, uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** The OS user the server runs as when the runner is root; undefined otherwise (the runner's own). */
export async function serverOsUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = (await lookupUser('postgres')) ?? (await lookupUser(FALLBACK_OS_USER));
  if (existing) return existing;
  const r = await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', FALLBACK_OS_USER]);
  const created = await lookupUser(FALLBACK_OS_USER);
  if (!created) throw new Error(`running as root and could not create OS user ${FALLBACK_OS_USER}: ${r.stderr.trim()}`);
  return created;
}

/** Command + args, wrapped in `runuser` when the server runs as another OS user. */
export function asUser(user: OsUser | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return user ? ['runuser', ['-u', user.name, '--', cmd, ...args]] : [cmd, [...args]];
}

/**
 * Whether `user` passes `test <flag> <file>` ('-x': may run it or enter it, '-w': may write
 * it), asked as that user, so every directory on the way counts. Run from '/', which
 * everyone may enter, not from the caller's cwd, which that user may not.
 */
export async function userCan(user: OsUser | undefined, flag: '-x' | '-w' | '-r', file: string): Promise<boolean> {
  const [c, a] = asUser(user, 'test', [flag, file]);
  return (await run(c, a, '/')).code === 0;
}
