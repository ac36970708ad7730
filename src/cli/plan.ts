/**
 * `pgpart plan`: what installing the config would change in a database, in order, with the
 * lock each change takes, and what it would refuse. Changes nothing (src/db/install.ts).
 * Exit 0 when the install would go through (with changes or none), 1 when it would be
 * refused: the config asks for something only the user can decide.
 */
import type pg from 'pg';
import type { Compiled } from '../build.js';
import { connect, resolveDatabaseUrl } from '../db/connect.js';
import { installed, planAll, type AdoptionFact, type Change, type Installed } from '../db/install.js';
import { compileFile } from './build.js';
import { UserError } from './errors.js';
import { printableDeep, printableLines } from './printable.js';

export interface PlanReport {
  server: string;
  installed: Installed | null;
  build: { revision: number; version: string; configHash: string };
  changes: Change[];
  refused: string[];
  /** What `pgpart adopt` would do with each family whose root table exists unpartitioned. */
  adoptions: AdoptionFact[];
}

export async function planCommand(opts: { config?: string; databaseUrl?: string; json: boolean; sql: boolean }): Promise<void> {
  const compiled = await compileFile(opts.config);
  const client = await connect(resolveDatabaseUrl(opts.databaseUrl));
  let report: PlanReport;
  try {
    report = await planReport(client, compiled);
  } finally {
    await client.end();
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${planLines(printablePlan(report), compiled.source, opts.sql).join('\n')}\n`);
  if (report.refused.length) throw new UserError(`the install would be refused: ${report.refused.length} change(s) need your decision (see above)`);
}

/** What installing `compiled` would do in the client's database. Changes nothing. */
export async function planReport(client: pg.Client, compiled: Compiled): Promise<PlanReport> {
  const server = (await client.query<{ v: string }>(`SELECT split_part(current_setting('server_version'), ' ', 1) AS v`)).rows[0]!.v;
  const { changes: rows, adoptions } = await planAll(client, compiled);
  return {
    adoptions,
    server,
    installed: await installed(client),
    build: { revision: compiled.revision, version: compiled.version, configHash: compiled.hash },
    changes: rows.filter((c) => c.refused === null),
    refused: rows.flatMap((c) => (c.refused === null ? [] : [c.refused])),
  };
}

/** The plan as `pgpart plan` prints it, line by line (also the comment of a migration). */
/**
 * The report with what the database supplied (names, details, refusals) printable: control
 * characters escaped; the statements keep their line breaks (SQL layout), nothing else.
 */
export function printablePlan(r: PlanReport): PlanReport {
  return {
    ...printableDeep(r),
    changes: r.changes.map((c) => ({ ...printableDeep(c), statements: c.statements.map(printableLines), later: c.later.map(printableLines) })),
  };
}

export function planLines(r: PlanReport, source: string, withSql: boolean): string[] {
  const lines: string[] = [];
  const out = (line = ''): void => { lines.push(line); };
  const have = r.installed
    ? `pgpart ${r.installed.version} (schema revision ${r.installed.revision}), config ${short(r.installed.configHash)}${r.installed.pendingHash ? ` (${short(r.installed.pendingHash)} waiting for index builds)` : ''}`
    : 'no pgpart yet';
  out(`PostgreSQL ${r.server}: ${have}`);
  out(`${source}: pgpart ${r.build.version} (schema revision ${r.build.revision}), config ${short(r.build.configHash)}`);
  out();
  if (r.changes.length === 0 && r.refused.length === 0) {
    out('no changes: the database matches the config');
    return lines;
  }
  if (r.changes.length) {
    out(`${r.changes.length} change(s), in order:`);
    for (const [i, c] of r.changes.entries()) {
      out(`  ${i + 1}. ${c.change}${c.model ? ` ${c.model}` : ''}: ${c.detail ?? c.target}`);
      out(`     locks: ${c.locks}`);
      if (withSql) {
        for (const s of c.statements) out(`     ${s};`);
        if (c.later.length) out(`     -- pgpart apply runs instead, after the transaction:\n${c.later.map((s) => `     ${s};`).join('\n')}`);
      }
    }
  }
  if (r.refused.length) {
    out();
    out(`refused (the install would change nothing): ${r.refused.length}`);
    r.refused.forEach((why, i) => out(`  ${i + 1}. ${why}`));
    if (r.adoptions.length) {
      out();
      for (const line of adoptionLines(r.adoptions)) out(line);
    }
  } else {
    out();
    out('apply with `pgpart apply` (index builds CONCURRENTLY) or `psql -v ON_ERROR_STOP=1 -f install.sql`');
  }
  return lines;
}

/** The adoption facts as lines: per family, what adoption would do, then what it refuses. */
export function adoptionLines(facts: AdoptionFact[]): string[] {
  const lines: string[] = [];
  for (const root of [...new Set(facts.map((f) => f.root))]) {
    const mine = facts.filter((f) => f.root === root);
    const refused = mine.filter((f) => f.refused !== null);
    const parts = mine.filter((f) => f.item === 'partition');
    lines.push(`adoption of ${root} (\`pgpart adopt ${root}\`, online: the tables stay readable and writable):`);
    for (const f of mine) {
      if (f.refused !== null) continue;
      if (f.item === 'partition') {
        // Many partitions: the first and last few, and how many between.
        const i = parts.indexOf(f);
        if (parts.length > 12 && i >= 5 && i < parts.length - 5) {
          if (i === 5) lines.push(`  partition: … ${parts.length - 10} more …`);
          continue;
        }
      }
      lines.push(`  ${f.item}${f.model && f.model !== root ? ` (${f.model})` : ''}: ${f.detail}`);
    }
    if (refused.length) {
      lines.push(`  refused (adoption would not start): ${refused.length}`);
      refused.forEach((f, i) => lines.push(`    ${i + 1}. ${f.refused}`));
    }
  }
  return lines;
}

function short(hash: string): string {
  return hash ? hash.replace(/^sha256:/, '').slice(0, 12) : '(none)';
}
