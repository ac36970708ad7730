// Explicit synchronisation for tests with several sessions. A test waits until something that
// will certainly happen has happened (a session waits for a lock the test holds, a
// transaction is older than a lock timeout by the server's clock, writers have committed
// more rows), never for a length of time, and never tries to catch a state that passes by
// itself. The bound on every wait only guards against a hang: reaching it fails the test,
// saying what never happened.

import type pg from 'pg';
import * as assert from 'uvu/assert';
import { scalar } from './helpers.js';

/** How long any wait may last before the test fails as hung: far beyond a slow machine's worst. */
export const HANG_GUARD_MS = 180_000;

/** Between two looks: only paces the polling, nothing depends on its length. */
const PACE_MS = 10;

const pause = (): Promise<void> => new Promise((r) => setTimeout(r, PACE_MS));

export interface UntilOptions {
  /**
   * A call under test that must still be running when the condition holds: if it ends
   * first, the test fails with how it ended (instead of waiting out the guard).
   */
  unless?: Promise<unknown>;
  /** The guard, when a wait legitimately takes longer than HANG_GUARD_MS. */
  guardMs?: number;
}

/** Polls `probe` until it returns a value (anything but undefined, null or false) and returns it. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: UntilOptions = {}): Promise<T> {
  let ended: string | undefined;
  options.unless?.then(
    (v) => { ended = `returned ${JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? String(x) : x))?.slice(0, 500)}`; },
    (e: Error) => { ended = `failed: ${e.message}`; });
  const deadline = Date.now() + (options.guardMs ?? HANG_GUARD_MS);
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v as T;
    if (ended !== undefined) assert.unreachable(`the call ended before ${what}: it ${ended}`);
    if (Date.now() > deadline) assert.unreachable(`${what}: still not so after ${Math.round((options.guardMs ?? HANG_GUARD_MS) / 1000)} s`);
    await pause();
  }
}

/** The sessions `pid` waits for (pg_blocking_pids): empty when it waits for no lock. */
export function blockers(observer: pg.Client, pid: number): Promise<number[]> {
  return scalar<number[]>(observer, 'SELECT pg_blocking_pids($1)', [pid]);
}

/**
 * Waits until session `pid` waits for a lock (held by `holder`, when given: a lock the test
 * holds, so the session stays there until the test lets go); returns who it waits for.
 */
export function untilWaiting(observer: pg.Client, pid: number, holder?: number, options: UntilOptions = {}): Promise<number[]> {
  return until(`pid ${pid} waits for ${holder === undefined ? 'a lock' : `a lock pid ${holder} holds`}`, async () => {
    const by = await blockers(observer, pid);
    return (holder === undefined ? by.length > 0 : by.includes(holder)) && by;
  }, options);
}

/**
 * Waits until the transaction of session `pid` is older than `age` (an interval, such as a
 * lock timeout) by the server's clock, which is what the runtime compares: a probe that
 * refuses holders older than the lock timeout certainly refuses this one afterwards.
 */
export function untilOlder(observer: pg.Client, pid: number, age: string): Promise<true> {
  return until(`the transaction of pid ${pid} is older than ${age}`, () =>
    scalar<boolean>(observer, `SELECT coalesce(xact_start < clock_timestamp() - $2::interval, false) FROM pg_stat_activity WHERE pid = $1`,
      [pid, age]));
}

/** The relation locks session `pid` holds or waits for in its database, as 'mode relation' and whether granted. */
export async function locksOf(observer: pg.Client, pid: number): Promise<{ rel: string; mode: string; granted: boolean }[]> {
  const { rows } = await observer.query<{ rel: string; mode: string; granted: boolean }>(`
    SELECT l.relation::regclass::text AS rel, l.mode, l.granted FROM pg_locks l
     WHERE l.pid = $1 AND l.locktype = 'relation'
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     ORDER BY 1, 2`, [pid]);
  return rows;
}
