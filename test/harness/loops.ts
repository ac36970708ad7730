// Sessions that each run a step over and over until stopped: the writers of the adoption
// tests and of the adoption bench. `stop()` ends every loop and closes its connection,
// whatever a step did, so a failed assertion never leaves writers keeping a process alive.

import type pg from 'pg';
import { newClient } from './db.js';

/**
 * `n` sessions on `url`, each running `step(client, w, i)` for i = 0, 1, … until stopped,
 * with a pseudo-random `next(m)` of its own (seeded by `seed(w)`) and `setup(c)` run once
 * on each connection first. `stop()` ends the loops and their connections, whatever a step did.
 */
export function sessionLoops(url: string, n: number, seed: (w: number) => number,
  step: (c: pg.Client, w: number, i: number, next: (m: number) => number) => Promise<void>,
  setup?: (c: pg.Client) => Promise<unknown>): { stop(): Promise<void> } {
  let running = true;
  const loops = Array.from({ length: n }, async (_, w) => {
    const c = newClient(url);
    await c.connect();
    let s = seed(w);
    const next = (m: number): number => { s = (s * 1103515245 + 12345) % 2147483648; return s % m; };
    try {
      await setup?.(c);
      for (let i = 0; running; i++) await step(c, w, i, next);
    } finally {
      await c.end();
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
