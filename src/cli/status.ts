/**
 * `pgpart status`: what a person asks of a live database, per model: its partitions from
 * parting.partitions() (state, tablespace, size), the rows waiting in its DEFAULT
 * partition (counted up to a bound, so a large one costs no full scan), and, per root model,
 * the last maintenance run from parting.history: when, what its 'maintained' row counted,
 * and the steps of that run logged failed or skipped. Changes nothing.
 * Returns the exit code's kind: 'database' (with one line on stderr) where pgpart is not
 * installed.
 */
import type pg from 'pg';
import { connect, resolveDatabaseUrl } from '../db/connect.js';
import { relationNames } from '../db/session.js';
import { qualified } from '../emit/quote.js';
import { colours, humanBytes, printTable } from './table.js';
import { printableDeep } from './printable.js';

export type Outcome = 'ok' | 'user' | 'database';

/** Rows counted in a DEFAULT partition at most: past it, `100000+`. */
export const DEFAULT_ROWS_BOUND = 100_000;

/** One row of parting.partitions(). */
export interface PartitionRow {
  model: string;
  partition: string;
  key: string | null;
  lower: string | null;
  upper: string | null;
  is_default: boolean;
  parent_partition: string | null;
  tablespace: string | null;
  total_bytes: number;
  state: string;
}

/** A step of a maintenance run that did not get done. */
export interface RunProblem { action: 'failed' | 'skipped'; partition: string | null; error: string | null }

/** The newest 'maintained' row of a root model, and the failed or skipped rows of that run. */
export interface LastRun {
  at: Date;
  durationMs: number | null;
  /** The 'maintained' row's detail: step:status counts, e.g. {"create:done": 2}. */
  detail: Record<string, number>;
  failed: number;
  skipped: number;
  /** The failed and skipped rows themselves (the first 20). */
  problems: RunProblem[];
}

export interface ModelStatus {
  model: string;
  table: string;
  root: string;
  partitions: number;
  totalBytes: number;
  /** The DEFAULT partition and its rows, counted up to DEFAULT_ROWS_BOUND (`more`: there are more). */
  default: { partition: string; rows: number; more: boolean } | null;
  /** Root models only: the last run (null: never maintained). Dependents are maintained with their root. */
  lastRun?: LastRun | null;
}

/** An adoption in progress (`pgpart adopt`): its phase, and rows copied of the rows to copy, per member. */
export interface AdoptionStatus {
  model: string;
  phase: string;
  startedAt: Date;
  updatedAt: Date;
  members: { model: string; copied: number; total: number; done: boolean }[];
  /** Foreign keys the swap added, still to validate. */
  toValidate: number;
  /** Where the old tables wait after the swap. */
  retiredSchema: string;
}

export interface StatusReport { models: ModelStatus[]; partitions: PartitionRow[]; adoptions?: AdoptionStatus[] }

export const NOT_INSTALLED = 'pgpart is not installed in this database';

/** False (and the one line on stderr) when the database has no parting.meta. */
export async function isInstalled(client: pg.Client): Promise<boolean> {
  const { rows: [r] } = await client.query<{ meta: string | null }>(`SELECT to_regclass('parting.meta')::text AS meta`);
  if (r?.meta) return true;
  process.stderr.write(`${NOT_INSTALLED}\n`);
  return false;
}

export async function statusCommand(opts: { databaseUrl?: string; model?: string; json: boolean }): Promise<Outcome> {
  const client = await connect(resolveDatabaseUrl(opts.databaseUrl));
  let report: StatusReport;
  let ages: Map<string, number>;
  try {
    if (!(await isInstalled(client))) return 'database';
    ({ report, ages } = await readStatus(client, opts.model ?? null));
  } finally {
    await client.end();
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  // Names and list keys are other roles' choosing: printed with control characters escaped.
  else printStatus(printableDeep(report), ages);
  return 'ok';
}

async function readStatus(client: pg.Client, model: string | null): Promise<{ report: StatusReport; ages: Map<string, number> }> {
  // First, so an unknown --model is the database's error (it lists the models).
  const parts = await client.query<PartitionRow & { ord: string; schema_name: string; table_name: string }>(`
    SELECT p.model, p.partition::oid::text AS partition, p.key, p.lower, p.upper, p.is_default,
           p.parent_partition::oid::text AS parent_partition, p.tablespace::text AS tablespace, p.total_bytes, p.state,
           n.nspname::text AS schema_name, r.relname::text AS table_name, p.ord
      FROM parting.partitions($1) WITH ORDINALITY AS p(model, partition, key, lower, upper, is_default,
                                                      parent_partition, tablespace, total_bytes, state, ord)
      JOIN pg_class r ON r.oid = p.partition
      JOIN pg_namespace n ON n.oid = r.relnamespace
     ORDER BY p.ord`, [model]);
  const models = await client.query<{ model: string; table: string; root: string }>(`
    SELECT c.model, format('%I.%I', c.schema_name, c.table_name) AS table, c.root_model AS root
      FROM parting.config c
     WHERE $1::text IS NULL OR c.model = $1
     ORDER BY c.root_model, c.family_order, c.model`, [model]);
  // Named as the user's own session names them (unqualified where their search_path finds them).
  const names = await relationNames(client, parts.rows.flatMap((p) => [p.partition, ...(p.parent_partition ? [p.parent_partition] : [])]));
  for (const p of parts.rows) {
    p.partition = names.get(p.partition)!;
    if (p.parent_partition) p.parent_partition = names.get(p.parent_partition)!;
  }
  const partitions = parts.rows.map(({ ord: _o, schema_name: _s, table_name: _t, ...p }) => ({ ...p, total_bytes: Number(p.total_bytes) }));

  const report: StatusReport = { models: [], partitions };
  const ages = new Map<string, number>();
  for (const m of models.rows) {
    const mine = parts.rows.filter((p) => p.model === m.model);
    const def = mine.find((p) => p.is_default);
    let waiting: ModelStatus['default'] = null;
    if (def) {
      const { rows: [n] } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM (SELECT 1 FROM ${qualified(def.schema_name, def.table_name)} LIMIT $1) s`, [DEFAULT_ROWS_BOUND + 1]);
      const rows = Number(n!.n);
      waiting = { partition: def.partition, rows: Math.min(rows, DEFAULT_ROWS_BOUND), more: rows > DEFAULT_ROWS_BOUND };
    }
    const status: ModelStatus = {
      model: m.model,
      table: m.table,
      root: m.root,
      partitions: mine.length,
      totalBytes: mine.reduce((sum, p) => sum + Number(p.total_bytes), 0),
      default: waiting,
    };
    if (m.root === m.model) {
      const run = await lastRun(client, m.model);
      status.lastRun = run?.run ?? null;
      if (run) ages.set(m.model, run.age);
    }
    report.models.push(status);
  }
  report.adoptions = await adoptions(client);
  return { report, ages };
}

/** The adoptions in progress, read from parting.adoption (none where this pgpart predates it). */
async function adoptions(client: pg.Client): Promise<AdoptionStatus[]> {
  const { rows: [t] } = await client.query<{ t: string | null }>(`SELECT to_regclass('parting.adoption')::text AS t`);
  if (!t?.t) return [];
  const { rows } = await client.query<{ model: string; phase: string; started_at: Date; updated_at: Date; members: AdoptionStatus['members']; to_validate: number; retired_schema: string }>(`
    SELECT a.model, a.phase, a.started_at, a.updated_at, a.retired_schema, jsonb_array_length(a.to_validate) AS to_validate,
           (SELECT jsonb_agg(jsonb_build_object('model', m #>> '{config,model}', 'copied', (a.progress -> (m #>> '{config,model}') ->> 'copied')::bigint,
                                                'total', (a.progress -> (m #>> '{config,model}') ->> 'total')::bigint,
                                                'done', (a.progress -> (m #>> '{config,model}') ->> 'done')::boolean) ORDER BY n)
              FROM jsonb_array_elements(a.members) WITH ORDINALITY x(m, n)) AS members
      FROM parting.adoption a ORDER BY a.model`);
  return rows.map((r) => ({ model: r.model, phase: r.phase, startedAt: r.started_at, updatedAt: r.updated_at, members: r.members,
                            toValidate: r.to_validate, retiredSchema: r.retired_schema }));
}

/**
 * The model's newest 'maintained' row, and the failed and skipped rows written for it after
 * the 'maintained' row before (the same run's steps), by the (model, at) index. `age`: seconds
 * since, by the database's clock.
 */
async function lastRun(client: pg.Client, model: string): Promise<{ run: LastRun; age: number } | null> {
  const { rows: [last] } = await client.query<{ id: string; at: Date; ms: number | null; detail: Record<string, number> | null; age: number; since_id: string | null }>(`
    SELECT m.id, m.at, round(extract(epoch FROM m.duration) * 1000)::float8 AS ms, m.detail,
           extract(epoch FROM now() - m.at)::float8 AS age, prev.id AS since_id
      FROM (SELECT h.id, h.at, h.duration, h.detail FROM parting.history h
             WHERE h.model = $1 AND h.action = 'maintained' ORDER BY h.at DESC, h.id DESC LIMIT 1) m
      LEFT JOIN LATERAL (SELECT h.id FROM parting.history h
                          WHERE h.model = $1 AND h.action = 'maintained' AND h.at <= m.at AND h.id < m.id
                          ORDER BY h.at DESC, h.id DESC LIMIT 1) prev ON true`, [model]);
  if (!last) return null;
  // By id, and by `at` too so the index serves it (the bounds' times read in SQL, to the microsecond).
  const { rows } = await client.query<{ action: 'failed' | 'skipped'; partition: string | null; error: string | null; total: string }>(`
    SELECT h.action, h.partition, h.detail->>'error' AS error, count(*) OVER (PARTITION BY h.action) AS total
      FROM parting.history h
     WHERE h.model = $1 AND h.action IN ('failed', 'skipped')
       AND h.id < $2 AND h.at <= (SELECT x.at FROM parting.history x WHERE x.id = $2)
       AND h.id > coalesce($3::bigint, 0)
       AND h.at >= coalesce((SELECT x.at FROM parting.history x WHERE x.id = $3::bigint), '-infinity')
     ORDER BY h.id`, [model, last.id, last.since_id]);
  const total = (action: string): number => Number(rows.find((r) => r.action === action)?.total ?? 0);
  return {
    run: {
      at: last.at,
      durationMs: last.ms,
      detail: last.detail ?? {},
      failed: total('failed'),
      skipped: total('skipped'),
      problems: rows.slice(0, 20).map(({ action, partition, error }) => ({ action, partition, error })),
    },
    age: last.age,
  };
}

function printStatus(r: StatusReport, ages: Map<string, number>): void {
  const out = (line = ''): void => { process.stdout.write(`${line}\n`); };
  const c = colours(process.stdout);
  const stateColour: Record<string, (s: string) => string> = {
    attached: c.green, detached: c.yellow, archived: c.cyan, filling: c.yellow, detaching: c.red,
  };
  for (const a of r.adoptions ?? []) {
    const copied = a.members.reduce((n, m) => n + m.copied, 0);
    const total = Math.max(a.members.reduce((n, m) => n + m.total, 0), copied);
    out(`${c.bold(`adoption of ${a.model}`)}: ${c.yellow(a.phase)}, started ${a.startedAt.toISOString()}, `
      + `${copied.toLocaleString('en-US')} of ~${total.toLocaleString('en-US')} rows copied`
      + (a.phase === 'swapped' ? `; old tables in ${a.retiredSchema} until \`pgpart adopt ${a.model} --finish\``
        + (a.toValidate ? `, ${a.toValidate} foreign key(s) to validate` : '') : `; go on with \`pgpart adopt ${a.model}\``));
    for (const m of a.members) out(`  ${m.model}: ${m.copied.toLocaleString('en-US')} of ~${m.total.toLocaleString('en-US')} rows copied${m.done ? ', done' : ''}`);
    out();
  }
  if (r.models.length === 0) out('no models');
  r.models.forEach((m, i) => {
    if (i > 0) out();
    const family = m.root === m.model ? '' : ` (in ${m.root}'s family, maintained with it)`;
    out(`${c.bold(m.model)}  ${m.table}: ${m.partitions} partition(s), ${humanBytes(m.totalBytes)}${family}`);
    if (m.default) {
      const n = m.default.rows === 0 ? 'empty' : `${m.default.rows}${m.default.more ? '+' : ''} row(s) waiting`;
      out(`  default partition ${m.default.partition}: ${m.default.rows === 0 ? n : c.yellow(n)}`);
    }
    if (m.lastRun !== undefined) out(`  last maintenance: ${describeRun(m.lastRun, ages.get(m.model), c)}`);
    if (m.lastRun) {
      for (const p of m.lastRun.problems) out(`    ${c.red(p.action)} ${p.partition ?? ''}${p.error ? `: ${p.error}` : ''}`);
    }
    const rows = r.partitions.filter((p) => p.model === m.model);
    if (rows.length === 0) return out('   (no partitions)');
    const table = rows.map((p) => ({
      partition: p.partition,
      key: p.key,
      lower: p.lower,
      upper: p.upper,
      references: p.parent_partition,
      state: p.state,
      tablespace: p.tablespace,
      size: humanBytes(p.total_bytes),
    }));
    // Columns nothing fills (no upper bounds in a list model, no references in a root) are left out.
    const shown = Object.keys(table[0]!).filter((k) => table.some((t) => t[k as keyof typeof t] !== null && t[k as keyof typeof t] !== ''));
    printTable(table.map((t) => Object.fromEntries(shown.map((k) => [k, t[k as keyof typeof t]]))), out, {
      right: ['size'],
      paint: (col, text) => (col === 'state' ? (stateColour[text] ?? ((s: string) => s))(text) : text),
    });
  });
}

/** `2026-05-12 10:15:03 UTC (3 min ago), took 85 ms: create:done 2, retire:done 1; no failures`. */
function describeRun(run: LastRun | null, age: number | undefined, c: ReturnType<typeof colours>): string {
  if (!run) return 'never (CALL parting.run_maintenance() or pgpart maintain)';
  const counts = Object.entries(run.detail).map(([k, v]) => `${k} ${v}`).join(', ') || 'nothing to do';
  const took = run.durationMs === null ? '' : `, took ${run.durationMs} ms`;
  const outcome = run.failed || run.skipped
    ? c.red([run.failed ? `${run.failed} failed` : '', run.skipped ? `${run.skipped} skipped` : ''].filter(Boolean).join(', '))
    : c.green('no failures');
  return `${utc(run.at)}${age === undefined ? '' : ` (${ago(age)})`}${took}: ${counts}; ${outcome}`;
}

/** `2026-05-12 10:15:03 UTC`. */
function utc(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function ago(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}
