/**
 * `pgpart adopt <model>`: a family whose tables exist unpartitioned becomes a pgpart family
 * online, step by step, each step one transaction of the parting.adopt_* routines (so a
 * killed run resumes where it stopped: run it again): start (the shadow family and the
 * capture triggers), copy in batches with progress, verify, swap, validate the foreign keys
 * the swap added, then the install (config rows, partitions ahead). `--finish` drops the old
 * tables; `--abort` undoes an adoption before its swap.
 */
import type pg from 'pg';
import { SQLSTATE } from '../contract.js';
import { connect, resolveDatabaseUrl } from '../db/connect.js';
import { compileFile } from './build.js';
import { DatabaseWorkError, sqlstateOf } from './errors.js';
import { adoptionLines } from './plan.js';
import type { Compiled } from '../build.js';
import { loadRuntime, type AdoptionFact } from '../db/install.js';
import { userSearchPath, withSearchPath } from '../db/session.js';

export interface AdoptOptions {
  config?: string;
  databaseUrl?: string;
  finish: boolean;
  abort: boolean;
  batch: number;
  /** Tries of a step whose locks could not be had within lockTimeout. */
  lockRetries: number;
}

interface CopyRow { member: string; copied: string; total: string; done: boolean }

export async function adoptCommand(model: string, opts: AdoptOptions): Promise<void> {
  const compiled = await compileFile(opts.config);
  const client = await connect(resolveDatabaseUrl(opts.databaseUrl));
  const say = (line: string): void => { process.stderr.write(`${line}\n`); };
  try {
    await loadRuntime(client, compiled);
    if (opts.abort) {
      await client.query('SELECT parting.adopt_abort($1)', [model]);
      say(`adoption of ${model} undone: the old tables are as they were, with every write made meanwhile`);
      return;
    }
    if (opts.finish) {
      await client.query('SELECT parting.adopt_finish($1)', [model]);
      say(`adoption of ${model} finished: the old tables are dropped`);
      return;
    }
    await adopt(client, compiled, model, opts, say);
  } finally {
    await client.end();
  }
}

/** Runs `step` again while its locks cannot be had (another session holds one past lockTimeout). */
async function withRetries<T>(tries: number, what: string, say: (line: string) => void, step: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (err) {
      if (sqlstateOf(err) !== SQLSTATE.lockNotAvailable || i >= tries) throw err;
      say(`  ${what}: a lock was not to be had within lockTimeout (try ${i} of ${tries}); again`);
    }
  }
}

async function phaseOf(client: pg.Client, model: string): Promise<string | null> {
  const { rows } = await client.query<{ phase: string }>('SELECT phase FROM parting.adoption WHERE model = $1', [model]);
  return rows[0]?.phase ?? null;
}

async function adopt(client: pg.Client, compiled: Compiled, model: string, opts: AdoptOptions, say: (line: string) => void): Promise<void> {
  let phase = await phaseOf(client, model);
  if (phase === null) {
    const { rows: facts } = await client.query<AdoptionFact>(
      'SELECT root, model, item, detail, refused FROM parting.adopt_plan($1::jsonb, $2, $3)',
      [JSON.stringify(compiled.desired), model, userSearchPath(client)]);
    for (const line of adoptionLines(facts)) say(line);
    phase = await withRetries(opts.lockRetries, 'start', say, async () =>
      (await client.query<{ p: string }>('SELECT parting.adopt_start($1::jsonb, $2, $3) AS p',
        [JSON.stringify(compiled.desired), model, userSearchPath(client)])).rows[0]!.p);
    say(`started: the shadow family is made, and follows every write to ${model}'s tables`);
  } else {
    say(`resuming the adoption of ${model} (${phase})`);
  }

  if (phase === 'copying') {
    const started = Date.now();
    const tty = Boolean(process.stderr.isTTY);
    let copiedAtStart: number | null = null;
    for (;;) {
      const rows = await withRetries(opts.lockRetries, 'copy', say, async () =>
        (await client.query<CopyRow>('SELECT member, copied, total, done FROM parting.adopt_copy($1, $2)', [model, opts.batch])).rows);
      const copied = rows.reduce((n, r) => n + Number(r.copied), 0);
      const total = Math.max(rows.reduce((n, r) => n + Number(r.total), 0), copied);
      copiedAtStart ??= copied;
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? (copied - copiedAtStart) / seconds : 0;
      const left = rate > 0 ? Math.max(total - copied, 0) / rate : 0;
      const current = rows.find((r) => !r.done);
      const line = `copied ${copied.toLocaleString('en-US')} of ~${total.toLocaleString('en-US')} rows`
        + `${current ? ` (${current.member})` : ''}, ${Math.round(rate).toLocaleString('en-US')} rows/s, ${formatSeconds(left)} left`;
      if (tty) {
        const width = 24;
        const filled = total > 0 ? Math.min(width, Math.round((copied / total) * width)) : width;
        process.stderr.write(`\r\x1b[K  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line}`);
      } else {
        say(`  ${line}`);
      }
      if (rows.every((r) => r.done)) break;
    }
    if (tty) process.stderr.write('\n');
    await client.query('SELECT * FROM parting.adopt_copy($1, $2)', [model, opts.batch]);
    phase = await phaseOf(client, model);
  }

  if (phase === 'copied' || phase === 'verified') {
    const { rows } = await client.query<{ member: string; part: string; old_rows: string; new_rows: string; same: boolean }>(
      'SELECT member, part, old_rows, new_rows, same FROM parting.adopt_verify($1)', [model]);
    const bad = rows.filter((r) => !r.same);
    if (bad.length) {
      for (const r of bad) say(`  ${r.member} ${r.part}: ${r.old_rows} rows in the old table, ${r.new_rows} in the new one, or their contents differ`);
      throw new DatabaseWorkError(`adoption of ${model}: the copy differs from the old tables in ${bad.length} partition(s); nothing was swapped (pgpart adopt ${model} --abort undoes it)`);
    }
    say(`verified: ${rows.length} partition(s), ${rows.reduce((n, r) => n + Number(r.new_rows), 0).toLocaleString('en-US')} rows, counts and checksums equal`);
    const t = Date.now();
    // The swap reads, under its lock, what writers committed while it waited: a snapshot
    // of a stricter default isolation would miss it (the runtime refuses to swap then).
    await client.query(`SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED`);
    phase = await withRetries(opts.lockRetries, 'swap', say, async () =>
      (await client.query<{ p: string }>('SELECT parting.adopt_swap($1) AS p', [model])).rows[0]!.p);
    // The history's duration is the part from the swap's lock request on: before it, the
    // writes logged since verify were applied with the writers on.
    const locked = (await client.query<{ ms: string | null }>(
      `SELECT round(extract(epoch FROM duration) * 1000) AS ms FROM parting.history
        WHERE model = $1 AND action = 'adopted' AND detail ->> 'step' = 'swap' ORDER BY id DESC LIMIT 1`, [model])).rows[0]?.ms;
    say(`swapped in ${Date.now() - t} ms${locked == null ? '' : ` (${locked} ms from its lock request on)`}: the partitioned tables are ${model}'s family now`);
  }

  if (phase === 'swapped') {
    for (;;) {
      const { rows: [v] } = await withRetries(opts.lockRetries, 'validate', say, () =>
        client.query<{ v: string | null }>('SELECT parting.adopt_validate($1) AS v', [model]));
      if (!v?.v) break;
      say(`  validated ${v.v}`);
    }
    try {
      // install.sql in the user's search_path, as with psql -f (it pins itself).
      await withSearchPath(client, async () => {
        try {
          await client.query(compiled.sql);
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw err;
        }
      });
      say('installed: the config rows, and the partitions ahead');
    } catch (err) {
      say(`the install did not go through (${(err as Error).message}): run \`pgpart apply\``);
    }
    const { rows: [r] } = await client.query<{ s: string }>('SELECT retired_schema AS s FROM parting.adoption WHERE model = $1', [model]);
    say(`adopted ${model}: the old tables are kept in schema ${r?.s} until \`pgpart adopt ${model} --finish\``);
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
