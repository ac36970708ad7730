/**
 * Project → Desired: what the database should hold, as data. install.sql carries it to the
 * runtime (`CALL parting._install(<desired>)`), which compares it with the catalog and makes
 * the difference (parting._changes); `pgpart plan` shows the same difference without making
 * it. Deterministic: the same project always gives the same document, models in family
 * order (parents before dependents).
 */
import type { Column, IndexSpec, Model, Project, Settings } from '../model/types.js';

/**
 * One row of `parting.config`: the compiled model the runtime reads. Its keys are the
 * table's columns, and the runtime refuses a row with a key the table lacks (a test holds
 * this type and sql/migrations together).
 */
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
  indexes: { kind: IndexSpec['kind']; columns: string[]; method: string; tag: string }[];
  tablespace: string | null;
  archive_tablespace: string | null;
  detach_tablespace: string | null;
  /** Storage tiers, youngest first: move_after is an interval (time keys) or a partition count (integer keys). */
  tiers: { move_after: string; tablespace: string }[];
  retention_drop_after: string | null;
  /**
   * On Citus: the distribution column and the model whose table the model's is colocated
   * with. Left out of the row when the model is not distributed (parting._config_row reads
   * it as null), so a plain install's document is what it was before Citus.
   */
  distribution?: { column: string; colocate_with: string };
}

/**
 * The row of `parting.settings`: what the runtime does the same way for every model. Its
 * keys are the table's columns but `singleton`; the runtime refuses a row with a key the
 * table lacks, or one that leaves a column out (a test holds this type and sql/migrations
 * together). Read in SQL by `parting._settings()`.
 */
export interface SettingsRow {
  lock_timeout: string;
  lock_tries: number;
  archive_schema: string;
  drain_batch: number;
  catch_up: number;
  history_keep: string;
  analyze_parents: boolean;
}

/** A column of a model's parent table, as the config defines it. */
export interface DesiredColumn {
  name: string;
  /** The SQL after the column name, as written (user SQL, checked by validate()). */
  definition: string;
  /** serial/bigserial/smallserial: the default is a sequence of the table's own. */
  serial: boolean;
  identity: boolean;
}

/** Everything about one model the install makes or compares. */
export interface DesiredModel {
  config: ConfigRow;
  columns: DesiredColumn[];
  /** The parent table's primary key and unique constraints. */
  constraints: { kind: 'primary' | 'unique'; name: string; columns: string[] }[];
  /** The parent table's plain indexes (each partition gets its own, named `<partition>_<tag>`). */
  indexes: { name: string; tag: string; columns: string[]; method: string }[];
  /** Partitions install.sql makes for a root: the current one and premake ahead, listed keys, the default. */
  initial: { current: boolean; keys: string[]; default: boolean } | null;
}

export interface Desired {
  schema: string;
  /** The project-wide settings, written to parting.settings ('update settings'); the install's own locks follow lock_timeout and lock_tries. */
  settings: SettingsRow;
  /** pg_cron schedule of run_maintenance, or null: then a job an earlier install made is removed. */
  schedule: string | null;
  drop: { models: string[]; columns: Record<string, string[]> };
  models: DesiredModel[];
}

export interface Plan {
  notes: string[];
  desired: Desired;
}

export function plan(project: Project): Plan {
  return {
    notes: project.models.flatMap((m) => m.notes),
    desired: {
      schema: project.schema,
      settings: settingsRow(project.settings),
      schedule: project.schedule,
      drop: project.drop,
      models: project.models.map(desiredModel),
    },
  };
}

const SERIAL = /^(small|big)?serial[248]?$/;

function desiredModel(m: Model): DesiredModel {
  const s = m.strategy;
  return {
    config: configRow(m),
    columns: m.columns.map((c: Column) => ({ name: c.name, definition: c.definition, serial: SERIAL.test(rawType(c.definition)), identity: c.identity })),
    constraints: m.indexes
      .filter((i): i is IndexSpec & { kind: 'primary' | 'unique' } => i.kind === 'primary' || i.kind === 'unique')
      .map((i) => ({ kind: i.kind, name: i.name, columns: i.columns })),
    indexes: m.indexes.filter((i) => i.kind === 'index').map((i) => ({ name: i.name, tag: i.tag, columns: i.columns, method: i.using })),
    initial: m.link !== null ? null : {
      current: s.kind === 'range' && s.initial,
      keys: s.kind === 'list' ? s.initial : [],
      default: s.default,
    },
  };
}

/** The first word of a definition, lower case: `bigserial` of `'bigserial not null'`. */
function rawType(definition: string): string {
  return definition.trim().split(/\s+/)[0]!.toLowerCase();
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
    retention_drop_after: range?.retention?.dropAfter ?? null,
    default_partition: s.default,
    fk_columns: m.link?.columns ?? null,
    ref_columns: m.link?.refColumns ?? null,
    fk_tag: m.link?.tag ?? null,
    on_delete: m.link?.onDelete ?? null,
    indexes: m.indexes.map(({ kind, columns, using, tag }) => ({ kind, columns, method: using, tag })),
    tablespace: m.tablespace,
    archive_tablespace: m.archiveTablespace,
    detach_tablespace: m.detachTablespace,
    tiers: range?.tiers.map((t) => ({ move_after: t.moveAfter, tablespace: t.tablespace })) ?? [],
    ...(m.distribution ? { distribution: { column: m.distribution.column, colocate_with: m.distribution.colocateWith } } : {}),
  };
}

function settingsRow(s: Settings): SettingsRow {
  return {
    lock_timeout: s.lockTimeout,
    lock_tries: s.lockTries,
    archive_schema: s.archiveSchema,
    drain_batch: s.drainBatch,
    catch_up: s.catchUp,
    history_keep: s.historyKeep,
    analyze_parents: s.analyze,
  };
}
