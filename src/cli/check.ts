/**
 * `pgpart check`: parting.check(), every problem of pgpart's partitions read from the
 * catalog, each with its fix (what parting.repair() would do, or why it will not). With
 * --repair: parting.repair() (the safe fixes, each under lockTimeout, logged), what it did,
 * then parting.check() again. Returns the exit code's kind: 'ok' when no problem is left,
 * 'user' when some are (they need a person), 'database' (with one line on stderr) where
 * pgpart is not installed.
 */
import { connect, resolveDatabaseUrl } from '../db/connect.js';
import { isInstalled, type Outcome } from './status.js';
import { colours } from './table.js';
import { printableDeep, printableLines } from './printable.js';

/** One row of parting.check(). */
export interface Problem {
  model: string | null;
  partition: string | null;
  key: string | null;
  problem: string;
  detail: string | null;
  fix: string | null;
  repairable: boolean;
}

/** One row of parting.repair(). */
export interface Repair {
  model: string | null;
  partition: string | null;
  key: string | null;
  problem: string;
  outcome: 'repaired' | 'skipped' | 'failed' | 'left';
  /** The fix made (repaired) or left to a person (left); the error (failed, skipped). */
  detail: string | null;
}

export interface CheckReport {
  /** What --repair did, in the order it did it; absent without --repair. */
  repair?: Repair[];
  /** parting.check() (after the repair, with --repair). */
  problems: Problem[];
}

export async function checkCommand(opts: { databaseUrl?: string; json: boolean; repair: boolean }): Promise<Outcome> {
  const client = await connect(resolveDatabaseUrl(opts.databaseUrl));
  client.on('notice', (n) => process.stderr.write(`${n.severity ?? 'NOTICE'}: ${printableLines(n.message ?? '')}\n`));
  let report: CheckReport;
  try {
    if (!(await isInstalled(client))) return 'database';
    const repair = opts.repair
      ? (await client.query<Repair>('SELECT model, partition, key, problem, outcome, detail FROM parting.repair()')).rows
      : undefined;
    const problems = (await client.query<Problem>('SELECT model, partition, key, problem, detail, fix, repairable FROM parting.check()')).rows;
    report = repair ? { repair, problems } : { problems };
  } finally {
    await client.end();
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printCheck(printableDeep(report));
  return report.problems.length ? 'user' : 'ok';
}

function printCheck(r: CheckReport): void {
  const out = (line = ''): void => { process.stdout.write(`${line}\n`); };
  const c = colours(process.stdout);
  if (r.repair) {
    const counts = (['repaired', 'skipped', 'failed', 'left'] as const)
      .map((o) => [o, r.repair!.filter((x) => x.outcome === o).length] as const).filter(([, n]) => n > 0);
    out(`repair: ${counts.length ? counts.map(([o, n]) => `${n} ${o}`).join(', ') : 'nothing to repair'}`);
    const paint = { repaired: c.green, skipped: c.yellow, failed: c.red, left: c.yellow };
    for (const x of r.repair) {
      out(`  ${paint[x.outcome](x.outcome.padEnd(8))}  ${where(x)}${x.detail ? `: ${x.detail}` : ''}`);
    }
    out();
    out(r.problems.length ? 'check after the repair:' : `check after the repair: ${c.green('no problems')}`);
    if (r.problems.length === 0) return;
  }
  if (r.problems.length === 0) return out(c.green('no problems'));
  const repairable = r.problems.filter((p) => p.repairable).length;
  out(`${r.problems.length} problem(s): ${repairable} repairable by \`pgpart check --repair\`, ${r.problems.length - repairable} left to you`);
  r.problems.forEach((p, i) => {
    out(`  ${i + 1}. ${where(p, c.red)}`);
    if (p.detail) out(`     ${p.detail}`);
    if (p.fix) out(`     repair: ${p.fix}`);
  });
}

/** `missing foreign key public.star_2026_05 (star)`, `gap (tweet, key 2026_03)`. */
function where(p: { model: string | null; partition: string | null; key: string | null; problem: string; detail: string | null }, paint = (s: string) => s): string {
  // The key, unless the partition's name or the detail already says it.
  const key = p.key !== null && !p.partition?.includes(p.key) && !p.detail?.includes(p.key) ? `key ${p.key}` : null;
  const about = [p.model, key].filter(Boolean).join(', ');
  return `${paint(p.problem)}${p.partition ? ` ${p.partition}` : ''}${about ? ` (${about})` : ''}`;
}
