// Tests that need an extension some majors lack here (pg_cron, plpgsql_check: Debian packages
// them for PostgreSQL 15 only). Such a suite is declared with the extensions it needs; on a
// server without one, its tests are not registered with uvu but written to the run's report
// as not run, with the reason, and test/run.ts counts and prints them. On a major that must
// provide an extension (test/harness/majors.ts: `required`), the tests always run, and fail
// if it is missing: a missing part is a failure there, never a skip.

import { appendFileSync } from 'node:fs';
import { suite, type Test } from 'uvu';

/** One test left out, as test/harness/group.ts reports it. */
export interface NotRun {
  suite: string;
  test: string;
  reason: string;
}

/** Extension name → why it is missing, published by test/harness/group.ts; empty when all are here. */
function missing(): Record<string, string> {
  return JSON.parse(process.env.PGPART_TEST_MISSING ?? '{}') as Record<string, string>;
}

/** Whether this server has the extension (the tests of a suite needing it run). */
export function hasExtension(name: string): boolean {
  return !(name in missing());
}

/** A uvu suite whose tests run only where every extension in `needs` is available. */
export function suiteNeeding<T extends object>(title: string, needs: string[], state: T): Test<T> {
  const absent = needs.filter((n) => !hasExtension(n));
  return suiteUnless(title, absent.length ? absent.map((n) => missing()[n]).join('; ') : null, state);
}

/**
 * A uvu suite whose tests run unless `reason` says why they cannot here (a tool that is not
 * installed, a download this machine refuses): then each is reported as not run, with it.
 */
export function suiteUnless<T extends object>(title: string, reason: string | null | undefined, state: T): Test<T> {
  if (reason === null || reason === undefined) return suite<T>(title, state);
  const record = (name: string): void => {
    const entry: NotRun = { suite: title, test: name, reason };
    const file = process.env.PGPART_TEST_REPORT;
    if (!file) throw new Error('PGPART_TEST_REPORT is not set: run tests through test/run.ts (npm test)');
    appendFileSync(file, `${JSON.stringify(entry)}\n`);
  };
  const noop = (): void => {};
  const hook = Object.assign(noop, { each: noop });
  const test = Object.assign((name: string) => record(name), {
    only: (name: string) => record(name),
    skip: noop,
    before: hook,
    after: hook,
    run: noop,
  });
  return test as unknown as Test<T>;
}
