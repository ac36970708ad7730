/**
 * `pgpart apply`: install the config into a database the way that blocks writers least.
 *   1. install.sql, in its one transaction, with pgpart.defer_builds = on: every change but
 *      the index copies and foreign-key validations, which parting._install leaves;
 *   2. those, after the commit, one statement at a time: CREATE INDEX CONCURRENTLY on each
 *      partition (its writers never wait), ALTER INDEX ... ATTACH PARTITION, VALIDATE
 *      CONSTRAINT (SHARE UPDATE EXCLUSIVE only), with progress;
 *   3. install.sql again, which now finds nothing to do and records the config hash.
 * When the install cannot have its locks (a long transaction holds one), it changes nothing
 * and apply tries it again, --lock-retries times.
 * An interrupted apply leaves the parent index invalid and the rest to do: the next apply,
 * or psql -f install.sql (in its transaction), finishes it (an index an interrupted
 * CREATE INDEX CONCURRENTLY left INVALID is dropped and built again).
 * Interruptions: a reader that goes away (`pgpart apply | head -3`) does not stop it: it
 * finishes, silently, and exits 0. SIGINT, SIGTERM or SIGHUP stop it after the statement
 * running then (a second one at once): it exits 2 saying how many statements are left and
 * that the next apply finishes them.
 */
import type pg from 'pg';
import { connect, resolveDatabaseUrl } from '../db/connect.js';
import { NOTICE_PREFIX, SQLSTATE } from '../contract.js';
import { deferred } from '../db/install.js';
import { userSqlPath, withSearchPath } from '../db/session.js';
import { literal } from '../emit/quote.js';
import { compileFile } from './build.js';
import { DatabaseWorkError } from './errors.js';
import { out, stdoutState } from './output.js';
import { Progress } from './progress.js';
import { printable, printableLines } from './printable.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function applyCommand(opts: { config?: string; databaseUrl?: string; lockRetries?: number; waitLimit?: number }): Promise<void> {
  const compiled = await compileFile(opts.config);
  stdoutState.keepGoing = true;
  const url = resolveDatabaseUrl(opts.databaseUrl);
  const client = await connect(url);
  const say = (line: string): void => { out.write(`${line}\n`); };
  // A signal stops the work between two statements, never inside the install's transaction
  // (which PostgreSQL would roll back whole anyway) nor by cutting a build short.
  let stopping: string | null = null;
  const onSignal = (signal: string): void => {
    if (stopping) {
      process.stderr.write(`pgpart apply: ${signal} again: stopping now; the next pgpart apply finishes the work (an index left INVALID is built again)\n`);
      process.exit(2);
    }
    stopping = signal;
    process.stderr.write(`pgpart apply: ${signal}: stopping after the statement running now (${signal} again to stop at once)\n`);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const stopIfAsked = (left: number, what: string): void => {
    if (stopping) {
      throw new DatabaseWorkError(`pgpart apply stopped by ${stopping}: ${what}${left > 0 ? `, ${left} statement(s) after the install not run` : ''}; `
        + 'run pgpart apply again to finish (pgpart plan shows what is left)');
    }
  };
  let changed = 0;
  client.on('notice', (n) => {
    if (n.message?.startsWith(NOTICE_PREFIX)) {
      changed++;
      say(`  ${printable(n.message.slice(NOTICE_PREFIX.length))}`);
    } else {
      process.stderr.write(`${n.severity ?? 'NOTICE'}: ${printableLines(n.message ?? '')}${n.hint ? `\nHINT: ${printableLines(n.hint)}` : ''}\n`);
    }
  });
  try {
    say(`installing ${compiled.source} (index builds deferred)`);
    await client.query(`SET pgpart.defer_builds = 'on'`);
    // install.sql runs as with psql -f, in the user's search_path (it pins itself, and reads
    // the config's column definitions in that path); pgpart's own queries here stay pinned.
    await withLockRetries(opts.lockRetries ?? 3, say, () => withSearchPath(client, async () => {
      try {
        await client.query(compiled.sql);
      } catch (err) {
        // The script stopped inside its transaction: end it before trying again.
        await client.query('ROLLBACK');
        throw err;
      }
    }));
    await client.query(`RESET pgpart.defer_builds`);
    if (changed === 0) say('  nothing to change');

    const work = await deferred(client, compiled.desired);
    stopIfAsked(work.length, 'the install is committed');
    if (work.length > 0) {
      say(`building after the transaction: ${work.length} statement(s)`);
      const progress = new Progress(work.length, out);
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      // A copy whose name another role's object took after the work was listed: its build
      // fails (duplicate name) and its attach has nothing to attach; both are passed over,
      // and the install that follows skips that copy and logs it, as for a name taken before.
      let taken: string | null = null;
      for (const [i, w] of work.entries()) {
        stopIfAsked(work.length - i, `${i} of ${work.length} statement(s) after the install done`);
        progress.step(printable(`${w.change} ${w.target}: ${w.verb} ${w.object}`));
        if (taken !== null && w.verb === 'attach') {
          taken = null;
          continue;
        }
        taken = null;
        // The config's index definitions are the user's SQL: read as the install reads them.
        const run = () => withSearchPath(client, () => runLater(client, w.statement, w.waits ? '0' : compiled.desired.settings.lock_timeout), userSqlPath(client));
        try {
          if (w.waits) await watched(url, pid, `${w.verb} ${w.object}`, opts.waitLimit ?? DEFAULT_WAIT_LIMIT_S, say, run);
          else await run();
        } catch (err) {
          if (w.verb !== 'build' || (err as { code?: string }).code !== SQLSTATE.duplicateTable) throw err;
          taken = w.object;
          say(`  ${printable(w.object)} not built: ${printable((err as Error).message)} (another object took the name); `
            + 'the install that follows logs it, and check() names it');
        }
      }
      progress.done();
    }

    stopIfAsked(0, 'every statement after the install done, the config hash not yet recorded');
    changed = 0;
    await withSearchPath(client, () => client.query(compiled.sql));
    const [meta] = (await client.query<{ config_hash: string }>('SELECT config_hash FROM parting.meta')).rows;
    const last = meta?.config_hash === compiled.hash
      ? `done: the database matches ${compiled.source} (config ${compiled.hash.replace(/^sha256:/, '').slice(0, 12)})`
      : `done, but the database does not match ${compiled.source} yet: run pgpart plan`;
    say(last);
    // Its reader gone, the outcome still goes somewhere.
    if (stdoutState.closed) process.stderr.write(`pgpart apply (its output's reader went away early): ${last}\n`);
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    await client.end();
  }
}

/**
 * The install gives up, changing nothing, when its locks cannot be had in lockTries tries
 * (a transaction older than lockTimeout holds one): try the whole install again a few times,
 * after a pause, as a deploy would by hand. Each try waits at most lockTimeout per lock
 * request, so writers never queue behind it for longer.
 */
async function withLockRetries(retries: number, say: (line: string) => void, install: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await install();
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== SQLSTATE.lockNotAvailable || attempt >= retries) throw err;
      const pause = 1000 * 2 ** attempt;
      say(`  ${(err as Error).message}: trying again in ${pause / 1000} s (${attempt + 1} of ${retries} retries)`);
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/**
 * One statement outside a transaction. A concurrent build or a validation waits for older
 * transactions without blocking writers, so it may wait as long as it must (lock_timeout 0);
 * attaching an index copy takes ACCESS EXCLUSIVE on that copy for a moment, under lockTimeout.
 */
async function runLater(client: pg.Client, statement: string, lockTimeout: string): Promise<void> {
  await client.query(`SET lock_timeout = ${literal(lockTimeout)}`);
  try {
    await client.query(statement);
  } finally {
    await client.query('RESET lock_timeout');
  }
}

/** How long (seconds) a concurrent build or a validation may wait for other sessions' transactions, by default. */
export const DEFAULT_WAIT_LIMIT_S = 3600;

/** How often a wait is reported while it lasts (ms); the first report comes as soon as it is seen. */
const REPORT_EVERY_MS = 10_000;
/** Between two looks at what the statement waits for: paces the polling only. */
const LOOK_EVERY_MS = 250;

interface Holder { pid: number; role: string | null; app: string | null }

/**
 * Runs a statement that may wait for other sessions' transactions (CREATE INDEX CONCURRENTLY
 * waits for every transaction older than its snapshot, even one that only holds a snapshot
 * and no lock; a validation waits for its lock) and watches it from a second connection: who
 * it waits for (pg_blocking_pids, with each holder's role and application_name, which every
 * role may read) is printed as soon as it waits and every REPORT_EVERY_MS while it does; once
 * it has waited `limitS` seconds in all (0: no limit) it is cancelled, and apply stops with
 * exit 2 naming the holder. An interrupted build is finished by the next apply.
 */
async function watched(url: string | undefined, pid: number, what: string, limitS: number, say: (line: string) => void,
  run: () => Promise<void>): Promise<void> {
  const watcher = await connect(url);
  let finished = false;
  let waitedMs = 0;
  let reportedAt = -Infinity;
  let gaveUp: Holder[] | null = null;
  const describe = (hs: Holder[]): string => hs.map((h) =>
    `pid ${h.pid} (role ${printable(h.role ?? '?')}, application ${h.app ? printable(JSON.stringify(h.app)) : 'none'})`).join(', ');
  const watching = (async () => {
    let last = Date.now();
    while (!finished) {
      await new Promise((r) => setTimeout(r, LOOK_EVERY_MS));
      if (finished) break;
      const holders = (await watcher.query<Holder>(
        `SELECT b.pid, pg_get_userbyid(a.usesysid)::text AS role, a.application_name AS app
           FROM unnest(pg_blocking_pids($1)) WITH ORDINALITY AS b(pid, n)
           LEFT JOIN pg_stat_activity a ON a.pid = b.pid ORDER BY b.n`, [pid]).catch(() => ({ rows: [] as Holder[] }))).rows;
      const now = Date.now();
      if (holders.length === 0) { last = now; continue; }
      waitedMs += now - last;
      last = now;
      if (now - reportedAt >= REPORT_EVERY_MS) {
        reportedAt = now;
        say(`  waiting ${Math.round(waitedMs / 1000)} s for ${describe(holders)} to end its transaction: ${printable(what)} waits for it `
          + `(writers do not)${limitS > 0 ? `; gives up after ${limitS} s (--wait-limit)` : ''}`);
      }
      if (limitS > 0 && waitedMs >= limitS * 1000) {
        gaveUp = holders;
        await watcher.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {});
        break;
      }
    }
  })();
  try {
    await run();
  } catch (err) {
    if (gaveUp) {
      throw new DatabaseWorkError(`gave up on ${printable(what)} after waiting ${limitS} s (--wait-limit) for ${describe(gaveUp)}: `
        + 'end that transaction (or give a longer --wait-limit) and run pgpart apply again; it finishes what this one left');
    }
    throw err;
  } finally {
    finished = true;
    await watching.catch(() => {});
    await watcher.end().catch(() => {});
  }
}
