// How much the benchmark does. The full run measures at the sizes and round counts the
// results are reported with; `--quick` (or BENCH_QUICK=1) runs every part at smaller sizes
// and with fewer rounds, to see that the benchmark works end to end in a couple of minutes.
// Quick numbers are too noisy to report.

import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const QUICK = process.argv.slice(2).includes('--quick') || process.env.BENCH_QUICK === '1';

/** `full` in a full run, `quick` in a quick one. */
export function size<T>(full: T, quick: T): T {
  return QUICK ? quick : full;
}

/** Whether the module at `moduleUrl` is the script node was started with (not imported by bench/run.ts). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(realpathSync(script)).href;
}

/**
 * Runs one part as a script of its own: a throwaway PostgreSQL 15 cluster for it (the test
 * harness's), its Markdown under `title` on stdout.
 */
export async function runAlone(title: string, part: () => Promise<string>): Promise<void> {
  const { startCluster } = await import('../test/harness/cluster.js');
  const cluster = await startCluster(15);
  process.env.PGPART_TEST_DATABASE_URL = cluster.url;
  try {
    process.stdout.write(`## ${title} (PostgreSQL ${cluster.version})\n\n${await part()}\n`);
  } finally {
    await cluster.stop();
  }
}
