// Single entry point for `npm test`:
//   node --import tsx test/run.ts [substring ...]
//
// Starts a throwaway PostgreSQL 15 cluster, runs every test/unit and test/db
// *.test.ts file with uvu, stops the cluster and prints, as the very last
// line, `N passed, M failed`. Exit code 0 only if something ran and nothing
// failed. Arguments keep only the files whose path contains one of them.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { startCluster, type Cluster } from './harness/cluster.js';

/** What uvu 0.5.6's runner resolves to: [errors or true, passed, skipped, total]. */
type RunnerResult = [errs: string | true, ran: number, skip: number, max: number];
type Runner = () => Promise<RunnerResult>;
/** One queue entry per file: its name, then one runner per `suite.run()`. */
type QueueGroup = [name: string | null, ...runners: Runner[]];

declare global {
  // uvu's own globals (see node_modules/uvu/dist/index.mjs and uvu/run/index.mjs).
  var UVU_DEFER: number | undefined;
  var UVU_INDEX: number | undefined;
  var UVU_QUEUE: QueueGroup[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIRS = ['test/unit', 'test/db'];

let passed = 0;
let failed = 0;

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : inspect(err);
}

function finish(cluster: Cluster | undefined, code?: number): Promise<never> {
  return (async () => {
    if (cluster) {
      try {
        await cluster.stop();
      } catch (err) {
        console.error(`error stopping the test cluster: ${describe(err)}`);
        failed++;
      }
    }
    const exitCode = code ?? (failed > 0 || passed === 0 ? 1 : 0);
    // Exit explicitly: a test that leaked a handle must not keep CI waiting,
    // and nothing may be printed after this line. Writes to pipes and files
    // are synchronous on Linux, so exiting right away loses no output.
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
    process.exit(exitCode);
  })();
}

/** All *.test.ts under `dir` (relative to the repo root), recursively. */
function findTests(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(path.join(repoRoot, dir), { withFileTypes: true });
  } catch {
    return []; // the folder does not exist (yet)
  }
  const files: string[] = [];
  for (const e of entries) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) files.push(...findTests(rel));
    else if (e.isFile() && e.name.endsWith('.test.ts')) files.push(rel);
  }
  return files.sort();
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  // Unit tests first: they are fast and fail for simpler reasons.
  const files = TEST_DIRS.flatMap(findTests).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
  if (files.length === 0) {
    console.error(`no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
    return finish(undefined, 1);
  }

  // Remembered for tests that check what a self-started cluster must provide.
  if (process.env.PGPART_TEST_DATABASE_URL) process.env.PGPART_TEST_EXTERNAL = '1';
  let cluster: Cluster;
  try {
    cluster = await startCluster();
  } catch (err) {
    console.error(`cannot start the test PostgreSQL cluster:\n${describe(err)}`);
    failed = 1;
    return finish(undefined, 1);
  }
  // Tests, and any child process they spawn (psql, the CLI), find the server here.
  process.env.PGPART_TEST_DATABASE_URL = cluster.url;
  process.env.PGPART_TEST_PRELOAD_CRON = cluster.preloadCron ? '1' : '0';
  console.log(`test cluster: ${cluster.url}${cluster.preloadCron ? ' (pg_cron preloaded)' : ''}`);

  // An error escaping a test (a callback throwing, a floating promise) would
  // otherwise kill the run without a summary; count it as a failure instead.
  const onStray = (kind: string) => (err: unknown) => {
    failed++;
    console.error(`\n${kind} during the tests (counted as 1 failure):\n${describe(err)}`);
  };
  process.on('uncaughtException', onStray('uncaught exception'));
  process.on('unhandledRejection', onStray('unhandled rejection'));

  // Load tests the way `uvu` CLI does (uvu/run/index.mjs): with UVU_DEFER set
  // before uvu is first imported, suite.run() queues its runner in
  // UVU_QUEUE[UVU_INDEX] instead of running it, and exec() runs the queue.
  globalThis.UVU_DEFER = 1;
  globalThis.UVU_QUEUE = [];
  const uvu = await import('uvu');

  for (const [i, file] of files.entries()) {
    globalThis.UVU_INDEX = i;
    globalThis.UVU_QUEUE.push([file]);
    try {
      await import(pathToFileURL(path.join(repoRoot, file)).href);
    } catch (err) {
      failed++;
      console.error(`\n${file}: failed to load (counted as 1 failure):\n${describe(err)}`);
    }
  }

  // exec() only prints totals, so wrap each runner to collect its counts.
  // In uvu 0.5.6 `max` is the number of tests that were meant to run (the
  // .only ones if any) and `ran` the number that passed; skipped tests are
  // counted separately and are not part of `max`, so failed = max - ran.
  for (const group of globalThis.UVU_QUEUE) {
    const label = group[0] ?? '(anonymous)';
    for (let i = 1; i < group.length; i++) {
      const runner = group[i] as Runner;
      group[i] = async (): Promise<RunnerResult> => {
        try {
          const result = await runner();
          const [errs, ran, , max] = result;
          passed += ran;
          failed += max - ran;
          if (errs === true && ran < max) {
            // A throwing before() or after.each() hook: uvu's runner returns
            // from `finally`, which swallows the error, so say at least this.
            console.error(`\n${label}: ${max - ran} test(s) did not pass; a before/after.each hook threw (uvu hides the error)`);
          }
          return result;
        } catch (err) {
          // An after() hook threw out of uvu's `finally`: the suite's counts are lost.
          failed++;
          return [`  ${label}: hook failed (counted as 1 failure):\n  ${describe(err)}\n`, 0, 0, 0];
        }
      };
    }
  }

  try {
    await uvu.exec();
  } catch (err) {
    failed++;
    console.error(`uvu exec failed: ${describe(err)}`);
  }
  return finish(cluster);
}

await main();
