// Single entry point for `npm test`:
//
//   node --import tsx test/run.ts [substring ...]
//
// Runs the tests that need no server once (test/unit, and test/embedded on PGlite), then
// test/db on a throwaway cluster of every PostgreSQL major in
// test/harness/majors.ts (14 to 18; 13 only for the test that install.sql refuses it), each
// group in a child process of its own (test/harness/group.ts), a few at a time. Prints each
// group's output when it ends, one `N passed, N failed` line per group (with the tests not
// run there and why), and, as the very last line, the total `N passed, M failed`. Exit 0 only
// if something ran and nothing failed.
//
// Run as root, the servers run as another OS user: the npm-packaged majors' binaries are
// copied once per run into a directory that user can enter (test/harness/binaries.ts), and
// removed at the end. A group that could still be running at the next UTC midnight starts
// after it (test/harness/clock.ts).
//
// Arguments keep only the files whose path contains one of them. Environment:
//   PGPART_TEST_MAJORS=15,18     only these majors
//   PGPART_TEST_JOBS=3           groups run at once (default 3)
//   PGPART_TEST_DATABASE_URL     one existing server instead of the clusters

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { makeBinariesDir } from './harness/binaries.js';
import { clearOfUtcMidnight } from './harness/clock.js';
import { MAJORS, majorInfo, type Major } from './harness/majors.js';
import type { NotRun } from './harness/needs.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** A group that runs longer than this is killed and counted as failed. */
const GROUP_TIMEOUT_MS = 25 * 60_000;

interface Group {
  /** 'unit', or the major whose cluster it starts. */
  label: string;
  files: string[];
}

interface Result {
  title: string;
  passed: number;
  failed: number;
  notRun: NotRun[];
  seconds: number;
}

/** All *.test.ts under `dir` (relative to the repo root), recursively. */
function findTests(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(path.join(repoRoot, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return findTests(rel);
    return e.isFile() && e.name.endsWith('.test.ts') ? [rel] : [];
  }).sort();
}

/** The groups running now, stopped with the runner (each stops its own cluster). */
const running = new Set<ChildProcess>();
/** Copies of server binaries for this run's groups (test/harness/binaries.ts). */
const binaries = makeBinariesDir();
process.on('exit', () => rmSync(binaries, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGTERM');
    process.exitCode = signal === 'SIGINT' ? 130 : 143;
    // Exit once they have: their clusters are stopped and their files removed by then.
    if (running.size === 0) process.exit();
    else setInterval(() => { if (running.size === 0) process.exit(); }, 100);
  });
}

/** Runs one group in a child process and reads its totals and report. */
async function runGroup(group: Group): Promise<Result> {
  if (group.label !== 'unit') await clearOfUtcMidnight(GROUP_TIMEOUT_MS, (line) => console.log(`PostgreSQL ${group.label}: ${line}`));
  // The group's TMPDIR too: the configs, install scripts and clusters its tests make go here,
  // and the whole directory is removed when the group ends, however its tests ended. Other
  // users may enter it (not list it): the servers' OS user keeps its clusters inside.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgpart-run-'));
  chmodSync(dir, 0o711);
  const reportFile = path.join(dir, 'report.jsonl');
  writeFileSync(reportFile, '');
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'harness', 'group.ts'), group.label, ...group.files], {
      cwd: repoRoot,
      env: { ...process.env, TMPDIR: dir, PGPART_TEST_REPORT: reportFile, PGPART_TEST_BIN_DIR: binaries, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString('utf8'); });
    // SIGTERM first, so the group stops its cluster; SIGKILL if it does not end even then.
    const timer = setTimeout(() => {
      output += `\n[test/run.ts: killed after ${GROUP_TIMEOUT_MS / 60_000} minutes]\n`;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
    }, GROUP_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      running.delete(child);
      clearTimeout(timer);
      const entries = readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      rmSync(dir, { recursive: true, force: true });
      const server = entries.find((e) => typeof e.server === 'string')?.server as string | undefined;
      const stray = entries.filter((e) => typeof e.stray === 'string').length;
      const notRun = entries.filter((e) => typeof e.test === 'string') as unknown as NotRun[];
      // uvu's own totals, the last ones it printed.
      const total = [...output.matchAll(/^\s*Total:\s+(\d+)$/gm)].at(-1)?.[1];
      const passedText = [...output.matchAll(/^\s*Passed:\s+(\d+)$/gm)].at(-1)?.[1];
      const passed = Number(passedText ?? 0);
      let failed = Number(total ?? 0) - passed + stray;
      if (total === undefined || (code !== 0 && failed === 0)) {
        failed += 1;
        output += `\n[test/run.ts: the group ended (exit ${code ?? signal}) ${total === undefined ? 'without uvu totals' : 'with an error'}: counted as 1 failure]\n`;
      }
      const title = group.label === 'unit' ? 'no server (unit, embedded)' : `PostgreSQL ${server ?? group.label}${majorInfo(Number(group.label)).only ? ' (refused)' : ''}`;
      process.stdout.write(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}\n${output.trimEnd()}\n`);
      resolve({ title, passed, failed, notRun, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
}

/** Runs `tasks` with at most `jobs` at once, keeping their order in the result. */
async function pool<T>(tasks: (() => Promise<T>)[], jobs: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  return out;
}

/** The major of the server PGPART_TEST_DATABASE_URL names. */
async function externalMajor(url: string): Promise<Major> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const num = Number((await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v);
    return majorInfo(Math.floor(num / 10000));
  } finally {
    await client.end().catch(() => {});
  }
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const keep = (f: string): boolean => filters.length === 0 || filters.some((s) => f.includes(s));
  const unit = [...findTests('test/unit'), ...findTests('test/embedded')].filter(keep);
  const db = findTests('test/db').filter(keep);
  const forMajor = (m: Major): string[] => db.filter((f) => (m.only ? m.only.test(f) : !MAJORS.some((x) => x.only?.test(f))));

  const groups: Group[] = [];
  if (unit.length) groups.push({ label: 'unit', files: unit });
  const external = process.env.PGPART_TEST_DATABASE_URL;
  if (external) {
    const m = await externalMajor(external);
    if (forMajor(m).length) groups.push({ label: String(m.major), files: forMajor(m) });
  } else {
    const wanted = process.env.PGPART_TEST_MAJORS?.split(',').map((s) => Number(s.trim()));
    for (const m of MAJORS) {
      if (wanted && !wanted.includes(m.major)) continue;
      if (forMajor(m).length) groups.push({ label: String(m.major), files: forMajor(m) });
    }
  }
  if (groups.length === 0) {
    console.error(`no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
    process.stdout.write('0 passed, 1 failed\n');
    return 1;
  }

  const jobs = Math.max(1, Number(process.env.PGPART_TEST_JOBS ?? 3));
  console.log(`running ${groups.map((g) => (g.label === 'unit' ? 'unit' : `PostgreSQL ${g.label}`)).join(', ')}, ${jobs} at a time`);
  // The longest group first (PostgreSQL 15 with pg_cron, whose test waits for its minute
  // tick), so the others run beside it; the summary keeps the groups' order.
  const first = (g: Group): number => (g.label !== 'unit' && majorInfo(Number(g.label)).source === 'debian' ? 0 : 1);
  const order = groups.map((g, i) => i).sort((a, b) => first(groups[a]!) - first(groups[b]!) || a - b);
  const ran = await pool(order.map((i) => () => runGroup(groups[i]!)), jobs);
  const results = groups.map((_, i) => ran[order.indexOf(i)]!);

  process.stdout.write('\n── summary ' + '─'.repeat(61) + '\n');
  for (const r of results) {
    process.stdout.write(`${r.title}: ${r.passed} passed, ${r.failed} failed${r.notRun.length ? `, ${r.notRun.length} not run` : ''} (${r.seconds} s)\n`);
  }
  // Each test left out, once, with the reason and the groups it was left out on.
  const left = new Map<string, { reason: string; tests: Map<string, string[]> }>();
  for (const r of results) {
    for (const n of r.notRun) {
      const entry = left.get(n.reason) ?? { reason: n.reason, tests: new Map<string, string[]>() };
      const name = `${n.suite}: ${n.test}`;
      entry.tests.set(name, [...(entry.tests.get(name) ?? []), r.title]);
      left.set(n.reason, entry);
    }
  }
  for (const { reason, tests } of left.values()) {
    process.stdout.write(`not run, because ${reason}:\n`);
    for (const [name, where] of tests) process.stdout.write(`  ${name} (on ${where.join(', ')})\n`);
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  // The last line, which .ci/run repeats.
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

process.exit(await main());
