/**
 * What pgpart's migrations (node-pg-migrate's and Django's) share: the install script of a
 * moment, frozen in a content-addressed sidecar (`pgpart-frozen/<sha256>.sql`, beside the
 * migrations directory, where no migration tool looks for migrations), and the text of the
 * change for the migration's comment: `pgpart plan` against a database, or why there is none.
 *
 * The migration itself stays small enough to review; the sidecar never changes (its name is
 * its hash, checked before it runs), so a fresh database replaying the history passes
 * through every config the live one did.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Compiled } from '../build.js';
import { connect, maskUrl, resolveDatabaseUrl } from '../db/connect.js';
import { UserError } from './errors.js';
import { planLines, planReport, printablePlan } from './plan.js';

export const FROZEN_DIR = 'pgpart-frozen';

/** Writes `sql` to `<dir>/<sha256>.sql` unless that file is there already; returns its name and hash. */
export function freeze(dir: string, sql: string): { file: string; hash: string } {
  const hash = createHash('sha256').update(sql, 'utf8').digest('hex');
  const file = join(dir, `${hash}.sql`);
  try {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(file)) writeFileSync(file, sql);
    else if (createHash('sha256').update(readFileSync(file)).digest('hex') !== hash) {
      throw new UserError(`${file} is not what its name says (its sha256 differs): it was edited; restore it from version control`);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot write ${file}: ${(err as Error).message.replace(/^[A-Z]+: /, '')}`);
  }
  return { file, hash };
}

/**
 * The change installing `compiled` makes, as `pgpart plan` prints it, against the database
 * given (`--database-url`, else DATABASE_URL); with none, a line saying so. A refused plan
 * is an error: the migration would fail.
 */
export async function changeText(compiled: Compiled & { source: string }, databaseUrl: string | undefined): Promise<string> {
  const url = resolveDatabaseUrl(databaseUrl);
  if (!url) {
    return 'no database was given (--database-url or DATABASE_URL), so the change is not shown here:\n'
      + `run \`pgpart plan --config ${compiled.source}\` against a database at the previous migration to see it.`;
  }
  const client = await connect(url);
  try {
    const report = await planReport(client, compiled);
    if (report.refused.length) {
      throw new UserError(`the install would be refused in ${maskUrl(url)}:\n${report.refused.map((r, i) => `  ${i + 1}. ${r}`).join('\n')}`);
    }
    return [`against ${maskUrl(url)} at ${new Date().toISOString()}:`, ...planLines(printablePlan(report), compiled.source, false)
      .filter((l) => !l.startsWith('apply with '))].join('\n').trimEnd();
  } finally {
    await client.end().catch(() => {});
  }
}
