// One group of test files in a process of its own, started by test/run.ts:
//
//   node --import tsx test/harness/group.ts unit <file>...      no server
//   node --import tsx test/harness/group.ts <major> <file>...   a throwaway cluster of that major
//
// For a major it starts the cluster (or takes PGPART_TEST_DATABASE_URL), publishes what the
// tests need to know of it in the environment (read through test/harness/db.ts and
// needs.ts), runs the files with uvu's runner and stops the cluster. uvu prints its own
// totals; test/run.ts reads them from this process's output and the report file
// (PGPART_TEST_REPORT: tests not run and why, errors that escaped a test) from here.

import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { run } from 'uvu/run';
import { startCluster, type Cluster } from './cluster.js';
import { majorInfo, missingReason } from './majors.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The extensions the suite asks for by name (test/harness/needs.ts). */
const NEEDED = ['pg_cron', 'plpgsql_check', 'pg_partman', 'pg_repack', 'citus'];

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : inspect(err);
}

/** A line of the report file test/run.ts reads. */
function report(entry: Record<string, unknown>): void {
  appendFileSync(process.env.PGPART_TEST_REPORT!, `${JSON.stringify(entry)}\n`);
}

async function main(): Promise<void> {
  const [label, ...files] = process.argv.slice(2);
  if (!label || !process.env.PGPART_TEST_REPORT) throw new Error('usage: PGPART_TEST_REPORT=<file> group.ts unit|<major> <file>...');
  let cluster: Cluster | undefined;
  if (label !== 'unit') {
    const external = Boolean(process.env.PGPART_TEST_DATABASE_URL);
    cluster = await startCluster(Number(label));
    const major = majorInfo(Math.floor(cluster.versionNum / 10000));
    const missing: Record<string, string> = {};
    for (const ext of NEEDED) {
      // pg_cron's CREATE EXTENSION works only where the server preloads it.
      const here = cluster.extensions.includes(ext) && (ext !== 'pg_cron' || cluster.preloadCron);
      if (!here && !major.required.includes(ext)) missing[ext] = missingReason(major, ext);
    }
    Object.assign(process.env, {
      PGPART_TEST_DATABASE_URL: cluster.url,
      PGPART_TEST_PRELOAD_CRON: cluster.preloadCron ? '1' : '0',
      PGPART_TEST_SERVER_VERSION: cluster.version,
      PGPART_TEST_SERVER_VERSION_NUM: String(cluster.versionNum),
      PGPART_TEST_MISSING: JSON.stringify(missing),
      // Set when the server is not one the harness started (and configured) itself.
      PGPART_TEST_EXTERNAL: external ? '1' : '',
    });
    report({ server: cluster.version, url: cluster.url });
    console.log(`test cluster: PostgreSQL ${cluster.version} at ${cluster.url}${cluster.preloadCron ? ' (pg_cron preloaded)' : ''}`);
  }

  // An error escaping a test (a callback throwing, a floating promise) would otherwise kill
  // the run without totals; count it as a failure instead.
  const onStray = (kind: string) => (err: unknown) => {
    report({ stray: `${kind}: ${describe(err)}` });
    console.error(`\n${kind} during the tests (counted as 1 failure):\n${describe(err)}`);
  };
  process.on('uncaughtException', onStray('uncaught exception'));
  process.on('unhandledRejection', onStray('unhandled rejection'));

  try {
    await run(files.map((f) => ({ name: f, file: path.join(repoRoot, f) })));
  } finally {
    await cluster?.stop().catch((err: unknown) => report({ stray: `stopping the cluster: ${describe(err)}` }));
  }
  // Exit now: a test that leaked a handle must not keep CI waiting.
  process.exit(process.exitCode ?? 0);
}

main().catch((err: unknown) => {
  console.error(describe(err));
  process.exit(1);
});
