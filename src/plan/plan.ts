/**
 * Project → Step[]: the model-dependent part of install.sql, as ordered data. The static
 * `parting` runtime (sql/) always comes first; these steps follow it. Deterministic: the
 * same project always gives the same steps in the same order.
 */
import type { Column, IndexSpec, Model, Project } from '../model/types.js';

/** One row of `parting.config`: the compiled model the runtime reads. */
export interface ConfigRow {
  model: string;
  schema_name: string;
  table_name: string;
  root_model: string;
  parent_model: string | null;
  family_order: number;
  strategy: 'range' | 'list';
  key_column: string;
  key_type: string;
  unit: string | null;
  width: number | null;
  timezone: string | null;
  premake: number;
  retention_keep: string | null;
  retention_action: string | null;
  default_partition: boolean;
  fk_columns: string[] | null;
  ref_columns: string[] | null;
  fk_tag: string | null;
  on_delete: string | null;
  indexes: { kind: IndexSpec["kind"]; columns: string[]; method: string; tag: string }[];
  tablespace: string | null;
  archive_tablespace: string | null;
  lock_timeout: string;
  lock_tries: number;
  archive_schema: string;
  drain_batch: number;
}

export type Step =
  | { kind: 'schema'; schema: string }
  | { kind: 'parent'; schema: string; table: string; columns: Column[]; strategy: 'range' | 'list'; keyColumn: string;
      constraints: IndexSpec[]; indexes: IndexSpec[]; tablespace: string | null }
  | { kind: 'config'; row: ConfigRow }
  /** Partitions install.sql makes: a root's default partition, its current + premade ones, its listed keys. */
  | { kind: 'partitions'; model: string; current: boolean; keys: string[]; default: boolean }
  /** pg_cron job running parting.run_maintenance(); last, after everything it maintains exists. */
  | { kind: 'schedule'; cron: string };

export interface Plan {
  notes: string[];
  steps: Step[];
}

export function plan(project: Project): Plan {
  const steps: Step[] = [];
  const schemas = [...new Set(project.models.map((m) => m.schema))].filter((s) => s !== 'public');
  schemas.forEach((schema) => steps.push({ kind: 'schema', schema }));
  for (const m of project.models) steps.push(parentStep(m));
  for (const m of project.models) steps.push({ kind: 'config', row: configRow(m) });
  for (const m of project.models.filter((x) => x.link === null)) {
    const s = m.strategy;
    const current = s.kind === 'range' && s.initial;
    const keys = s.kind === 'list' ? s.initial : [];
    if (current || keys.length || s.default) steps.push({ kind: 'partitions', model: m.name, current, keys, default: s.default });
  }
  if (project.schedule !== null) steps.push({ kind: 'schedule', cron: project.schedule });
  return { notes: project.models.flatMap((m) => m.notes), steps };
}

function parentStep(m: Model): Step {
  return {
    kind: 'parent',
    schema: m.schema,
    table: m.table,
    columns: m.columns,
    strategy: m.strategy.kind,
    keyColumn: m.strategy.column,
    constraints: m.indexes.filter((i) => i.kind === 'primary' || i.kind === 'unique'),
    indexes: m.indexes.filter((i) => i.kind === 'index'),
    tablespace: m.tablespace,
  };
}

function configRow(m: Model): ConfigRow {
  const s = m.strategy;
  const range = s.kind === 'range' ? s : null;
  return {
    model: m.name,
    schema_name: m.schema,
    table_name: m.table,
    root_model: m.root,
    parent_model: m.link?.references ?? null,
    family_order: m.familyOrder,
    strategy: s.kind,
    key_column: s.column,
    key_type: s.keyType,
    unit: range?.unit ?? null,
    width: range?.width ?? null,
    timezone: range && range.keyType !== 'integer' ? range.timezone : null,
    premake: range?.premake ?? 0,
    retention_keep: range?.retention?.keep ?? null,
    retention_action: range?.retention?.action ?? null,
    default_partition: s.default,
    fk_columns: m.link?.columns ?? null,
    ref_columns: m.link?.refColumns ?? null,
    fk_tag: m.link?.tag ?? null,
    on_delete: m.link?.onDelete ?? null,
    indexes: m.indexes.map(({ kind, columns, using, tag }) => ({ kind, columns, method: using, tag })),
    tablespace: m.tablespace,
    archive_tablespace: m.archiveTablespace,
    lock_timeout: m.lockTimeout,
    lock_tries: m.lockTries,
    archive_schema: m.archiveSchema,
    drain_batch: m.drainBatch,
  };
}
