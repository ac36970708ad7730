// Python for the Django tests: a virtualenv under a cache dir with Django 5.2 and psycopg,
// made once per machine (python3 -m venv, then pip install) and shared by every group. Where
// there is no python3, or pip cannot install the packages, the reason is returned instead,
// for the tests to be reported as not run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The pins: Django's 5.2 LTS (CompositePrimaryKey), psycopg 3 with its bundled libpq. */
export const DJANGO_REQUIREMENTS = ['django==5.2.*', 'psycopg[binary]==3.*'];
const cacheDir = process.env.PGPART_TEST_CACHE ?? path.join(repoRoot, 'node_modules', '.cache', 'pgpart-test');
const venvDir = path.join(cacheDir, 'venv-django-5.2');

function run(cmd: string, args: string[], timeout = 300_000): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() };
}

/**
 * The venv's python, or why there is none. Made in a temp dir and renamed into place, so
 * groups starting at once never see half a venv (the loser of the rename uses the winner's).
 */
export function djangoPython(): { python: string } | { reason: string } {
  const python = path.join(venvDir, 'bin', 'python');
  if (existsSync(python)) return { python };
  const version = run('python3', ['--version']);
  if (!version.ok) return { reason: `python3 is not installed (${version.out || 'not on PATH'}): the Django tests need it` };
  mkdirSync(cacheDir, { recursive: true });
  const tmp = mkdtempSync(path.join(cacheDir, 'venv-'));
  try {
    const venv = run('python3', ['-m', 'venv', tmp]);
    if (!venv.ok) return { reason: `python3 -m venv failed (${version.out}): ${venv.out.split('\n').at(-1)}` };
    const pip = run(path.join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', ...DJANGO_REQUIREMENTS], 600_000);
    if (!pip.ok) return { reason: `pip could not install ${DJANGO_REQUIREMENTS.join(' ')}: ${pip.out.split('\n').filter(Boolean).at(-1)}` };
    try {
      renameSync(tmp, venvDir);
    } catch {
      // Another group made it first: use theirs.
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return existsSync(python) ? { python } : { reason: `the virtualenv at ${venvDir} has no bin/python` };
}
