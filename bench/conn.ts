// Connections for the benchmark. Databases come from the test harness (freshDatabase,
// install); this only pins the session time zone, so pg_partman's CURRENT_TIMESTAMP
// arithmetic and the hand-written bounds agree with pgpart's pinned UTC.

import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { newClient } from '../test/harness/db.js';

export async function connect(url: string): Promise<pg.Client> {
  const client = newClient(url);
  await client.connect();
  await client.query(`SET TimeZone = 'UTC'`);
  return client;
}

/** Runs `sql` and returns its wall-clock time in milliseconds, seen from the client. */
export async function timed(client: pg.Client, sql: string): Promise<{ ms: number; rows: Record<string, unknown>[] }> {
  const t0 = performance.now();
  const res = await client.query(sql);
  const elapsed = performance.now() - t0;
  // A multi-statement string resolves to one result per statement.
  const rows = Array.isArray(res) ? [] : (res as pg.QueryResult).rows;
  return { ms: elapsed, rows };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `sql` `n` times on `client`, one after the other; returns each run's time in ms. */
export async function timedRuns(client: pg.Client, sql: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await timed(client, sql)).ms);
  return out;
}
