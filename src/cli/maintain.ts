/**
 * `pgpart maintain`: run_maintenance from outside the database, which can do one thing the
 * procedure cannot: retire partitions with DETACH PARTITION ... CONCURRENTLY (no ACCESS
 * EXCLUSIVE on the parent at all). That statement must run outside a transaction block
 * and is refused where the parent has a default partition, so:
 *   1. families due for retention without a default partition: each DETACH ... CONCURRENTLY
 *      statement (dependents first) on its own, then parting._finish_detach records and
 *      archives or drops them;
 *   2. CALL parting.run_maintenance() for everything else (premake, drains, retention of
 *      families with a default partition, archive tablespace moves).
 * Prints the parting.history rows this run wrote. Exit 2 when a step failed or was skipped.
 */
import type pg from 'pg';
import { connect, resolveDatabaseUrl } from '../db/connect.js';
import { DatabaseWorkError } from './errors.js';
import { printable, printableDeep, printableLines } from './printable.js';

interface Due { model: string; suffix: string; action: string }
interface Logged { model: string; partition: string | null; action: string; detail: unknown; ms: number | null }

export async function maintainCommand(opts: { databaseUrl?: string; model?: string; concurrently: boolean }): Promise<void> {
  const client = await connect(resolveDatabaseUrl(opts.databaseUrl));
  client.on('notice', (n) => process.stderr.write(`${n.severity ?? 'NOTICE'}: ${printableLines(n.message ?? '')}\n`));
  try {
    // The lock run_maintenance takes, taken first so the concurrent detaches cannot overlap
    // a pg_cron run either; run_maintenance finds this session holding it and releases it.
    const holder = (await client.query<{ h: string | null }>('SELECT parting._run_lock() AS h')).rows[0]!.h;
    if (holder !== null) {
      process.stderr.write(`parting.run_maintenance is already running (${printable(holder)}): nothing done\n`);
      return;
    }
    const since = await lastHistoryId(client);
    const failures: string[] = [];
    if (opts.concurrently) {
      const due = await client.query<Due>('SELECT model, suffix, action FROM parting._due_concurrently($1)', [opts.model ?? null]);
      for (const d of due.rows) {
        // One family failing (a lock not had in time) must not keep the others, or
        // run_maintenance, from running; the family stays 'detaching' for the next run.
        try {
          await detachConcurrently(client, d);
        } catch (err) {
          failures.push(`${d.model} ${d.suffix}: ${(err as Error).message}`);
        }
      }
    }
    await client.query('CALL parting.run_maintenance($1)', [opts.model ?? null]);
    const logged = await client.query<Logged>(
      `SELECT model, partition, action, detail, round(extract(epoch FROM duration) * 1000, 1)::float8 AS ms
         FROM parting.history WHERE id > $1 ORDER BY id`, [since]);
    for (const r of printableDeep(logged.rows)) {
      const detail = r.detail && typeof r.detail === 'object' && 'error' in r.detail ? ` ${String((r.detail as { error: unknown }).error)}` : '';
      process.stdout.write(`${r.action.padEnd(10)} ${r.model.padEnd(16)} ${(r.partition ?? '').padEnd(28)} ${r.ms === null ? '' : `${r.ms} ms`}${detail}\n`);
    }
    for (const f of failures) process.stdout.write(`failed     ${printable(f)}\n`);
    if (failures.length || logged.rows.some((r) => r.action === 'failed' || r.action === 'skipped')) {
      throw new DatabaseWorkError('some maintenance steps failed or were skipped (see above and parting.history)');
    }
  } finally {
    await client.end();
  }
}

/** Detaches one family CONCURRENTLY; each statement is its own implicit transaction. */
async function detachConcurrently(client: pg.Client, d: Due): Promise<void> {
  const statements = await client.query<{ sql: string }>('SELECT sql FROM parting._detach_concurrently($1, $2) AS sql', [d.model, d.suffix]);
  for (const s of statements.rows) await client.query(s.sql);
  await client.query('SELECT parting._finish_detach($1, $2, $3)', [d.model, d.suffix, d.action]);
}

async function lastHistoryId(client: pg.Client): Promise<number> {
  const r = await client.query<{ id: string }>('SELECT coalesce(max(id), 0) AS id FROM parting.history');
  return Number(r.rows[0]!.id);
}
