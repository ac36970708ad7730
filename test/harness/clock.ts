// The tests name months and days from the current UTC date (test/db/helpers.ts month(),
// test/db/reconcile-helpers.ts day()), while the server makes partitions from its own now():
// a group of tests still running when the UTC date changes would find the server a day (or a
// month) ahead of what it computed at the start. The runtime has no setting that fixes now()
// for a test, so a group that could still be running at the next UTC midnight starts after it.

/** Milliseconds from `now` to the next UTC midnight. */
export function untilUtcMidnight(now = Date.now()): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
}

/**
 * Resolves at once when the next UTC midnight is more than `longestMs` away (a group is
 * killed after that long, so it cannot see the date change); else once that midnight has
 * passed, saying so first.
 */
export async function clearOfUtcMidnight(longestMs: number, say: (line: string) => void): Promise<void> {
  const left = untilUtcMidnight();
  if (left > longestMs) return;
  say(`waiting ${Math.ceil(left / 1000)} s for UTC midnight to pass: the tests compute today's date once, the server at every call`);
  // A second past midnight, so the date has changed on both sides; asked again after each
  // wait, as timers follow a monotonic clock and the date the wall clock.
  const today = new Date().toISOString().slice(0, 10);
  while (new Date().toISOString().slice(0, 10) === today) await new Promise((r) => setTimeout(r, untilUtcMidnight() + 1000));
}
