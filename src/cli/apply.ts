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
 * or psql -f install.sql (in its transaction), finishes it.
 */
import type pg from 'pg';
import { connect, resolveDatabaseUrl } from '../db/connect.js';
import { NOTICE_PREFIX, SQLSTATE } from '../contract.js';
import { deferred } from '../db/install.js';
import { literal } from '../emit/quote.js';
import { compileFile } from './build.js';
import { Progress } from './progress.js';

export async function applyCommand(opts: { config?: string; databaseUrl?: string; lockRetries?: number }): Promise<void> {
  const compiled = await compileFile(opts.config);
  const client = await connect(resolveDatabaseUrl(opts.databaseUrl));
  const say = (line: string): void => { process.stdout.write(`${line}\n`); };
  let changed = 0;
  client.on('notice', (n) => {
    if (n.message?.startsWith(NOTICE_PREFIX)) {
      changed++;
      say(`  ${n.message.slice(NOTICE_PREFIX.length)}`);
    } else {
      process.stderr.write(`${n.severity ?? 'NOTICE'}: ${n.message}${n.hint ? `\nHINT: ${n.hint}` : ''}\n`);
    }
  });
  try {
    say(`installing ${compiled.source} (index builds deferred)`);
    await client.query(`SET pgpart.defer_builds = 'on'`);
    await withLockRetries(opts.lockRetries ?? 3, say, async () => {
      try {
        await client.query(compiled.sql);
      } catch (err) {
        // The script stopped inside its transaction: end it before trying again.
        await client.query('ROLLBACK');
        throw err;
      }
    });
    await client.query(`RESET pgpart.defer_builds`);
    if (changed === 0) say('  nothing to change');

    const work = await deferred(client, compiled.desired);
    if (work.length > 0) {
      say(`building after the transaction: ${work.length} statement(s)`);
      const progress = new Progress(work.length, process.stdout);
      for (const w of work) {
        progress.step(`${w.change} ${w.target}: ${w.verb} ${w.object}`);
        await runLater(client, w.statement, w.waits ? '0' : compiled.desired.settings.lock_timeout);
      }
      progress.done();
    }

    changed = 0;
    await client.query(compiled.sql);
    const [meta] = (await client.query<{ config_hash: string }>('SELECT config_hash FROM parting.meta')).rows;
    say(meta?.config_hash === compiled.hash
      ? `done: the database matches ${compiled.source} (config ${compiled.hash.replace(/^sha256:/, '').slice(0, 12)})`
      : `done, but the database does not match ${compiled.source} yet: run pgpart plan`);
  } finally {
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
