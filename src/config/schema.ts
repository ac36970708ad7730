/**
 * The zod schema of `pgpart.config.ts`: the single source of the config types.
 * Shape checks live here; checks that need the whole config (references, cycles,
 * column types) live in `model/`, which turns a valid config into a Model.
 */
import { z } from 'zod';
import { cronProblem } from './cron.js';

/** A lower-case SQL identifier: what pgpart accepts for schema, model, table and column names. */
export const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case identifier: a-z, 0-9 and _, not starting with a digit')
  .refine((s) => Buffer.byteLength(s) <= 63, 'is longer than 63 bytes, the PostgreSQL identifier limit');

/** A column definition: its SQL type and modifiers, e.g. `'timestamptz not null default now()'`. */
const columnDefinition = z.string().trim().min(1, 'must give the column type');

/** A pg_cron schedule: five cron fields, `'N seconds'` (1-59) or `@hourly` and the like (see cron.ts). */
const cronSchedule = z.string().trim().superRefine((s, ctx) => {
  const problem = cronProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: `must be a cron schedule such as '*/15 * * * *', '30 seconds' or '@hourly' (${problem})` });
});

/**
 * The largest `lock_timeout` PostgreSQL takes: the setting is an int of milliseconds, and a
 * larger value is refused only when the install sets it.
 */
export const MAX_LOCK_TIMEOUT_MS = 2_147_483_647;

/** A `lockTimeout` in milliseconds, or null when it is not written as `<digits>ms` or `<digits>s`. */
export function lockTimeoutMs(text: string): number | null {
  const m = /^(\d+) *(ms|s)$/.exec(text);
  return m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : null;
}

/**
 * `lockTimeout`: one to MAX_LOCK_TIMEOUT_MS milliseconds. Zero is refused, since PostgreSQL
 * reads a lock_timeout of 0 as no limit at all: a lock request would wait forever, and every
 * writer queued behind it with it.
 */
const lockTimeout = z.string().superRefine((s, ctx) => {
  const ms = lockTimeoutMs(s);
  const range = `give 1ms to ${MAX_LOCK_TIMEOUT_MS}ms (about 24.8 days), such as "300ms" or "2s"`;
  const problem = ms === null ? `must look like "500ms" or "2s"`
    : ms === 0 ? `is no limit at all: PostgreSQL reads a lock_timeout of 0 as "wait forever", and every writer would queue behind such a lock request; ${range}`
    : ms > MAX_LOCK_TIMEOUT_MS ? `is more than PostgreSQL's lock_timeout can hold (an int of milliseconds); ${range}`
    : null;
  if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} ${problem}` });
});

const indexMethod = z.enum(['btree', 'hash', 'gin', 'gist', 'brin', 'spgist']);

const index = z.strictObject({
  /** Columns of the index, in order. */
  columns: z.array(identifier).min(1),
  /** Access method; btree when omitted. */
  using: indexMethod.optional(),
});

const retention = z.strictObject({
  /** How much to keep, e.g. `'12 months'` (time) or a number of key units (integer ranges). */
  keep: z.union([z.string(), z.number()]),
  /** What happens to partitions past `keep`. `drop` is never the default. */
  action: z.enum(['detach', 'archive', 'drop']).default('detach'),
  /**
   * Drop the detached or archived tables once all their rows are older than this, e.g.
   * `'7 years'` (integer ranges: a number of partitions, like `keep`). Longer than `keep`;
   * only with `action: 'detach'` or `'archive'`. Never dropped when omitted.
   */
  dropAfter: z.union([z.string(), z.number()]).optional(),
});

const tier = z.strictObject({
  /** Move a partition once all its rows are older than this, e.g. `'3 months'` (integer ranges: a number of partitions, like `keep`). */
  moveAfter: z.union([z.string(), z.number()]),
  /** The tablespace it moves to, tables and indexes: made beforehand by a superuser (`CREATE TABLESPACE`). */
  tablespace: identifier,
});

const rangePartition = z.strictObject({
  by: z.literal('range'),
  /** The partition key column (timestamptz, timestamp, date, smallint, integer or bigint). */
  column: identifier,
  /** `'1 hour' | '1 day' | '1 week' | '1 month' | '3 months' | '1 year'` (or hour, day, …); a positive integer width for integer columns. */
  interval: z.union([z.string(), z.number()]),
  /** How many partitions to keep ready ahead of the current one. */
  premake: z.number().int().min(0).max(1000).optional(),
  /** Time zone in which time boundaries are computed; overrides the project's. */
  timezone: z.string().optional(),
  /** Create the current partition and `premake` ahead when install.sql runs. */
  initial: z.boolean().default(true),
  /** Add a DEFAULT partition that catches rows no partition covers. */
  default: z.boolean().default(false),
  retention: retention.optional(),
  /**
   * Storage tiers for attached partitions as they age, youngest first: each family (the
   * model's partition and its dependents' of the same key) moves to the tablespace of the
   * oldest tier whose `moveAfter` it has passed.
   */
  tiers: z.array(tier).max(10).default([]),
});

const listPartition = z.strictObject({
  by: z.literal('list'),
  /** The partition key column (text or integer). */
  column: identifier,
  /** Keys whose partitions install.sql creates. */
  initial: z.array(z.union([z.string(), z.number()])).default([]),
  default: z.boolean().default(false),
});

const partitionForeignKey = z.strictObject({
  /** The column(s) holding the referenced row's primary key, e.g. `'tweet_id'`. */
  column: z.union([identifier, z.array(identifier).min(1)]),
  /** The model referenced; this model is partitioned in lockstep with it. */
  references: identifier,
  /** The column carrying the referenced model's partition key; default `<references>_<its column>`. */
  keyColumn: identifier.optional(),
  onDelete: z.enum(['no action', 'restrict', 'cascade', 'set null']).default('no action'),
});

/**
 * Citus (distributed PostgreSQL): how a root model's rows are spread over the workers. Its
 * dependents are distributed by their partition foreign key's column and colocated with it.
 * `reference` asks for a reference table (a copy on every node), which Citus refuses for
 * partitioned tables: validate() says so.
 */
const distribution = z.union([
  z.strictObject({
    /** The distribution column: Citus hashes it to place each row on a shard. */
    column: identifier,
  }),
  z.strictObject({ reference: z.literal(true) }),
]);

const model = z.strictObject({
  /** Table name; the model name when omitted. */
  table: identifier.optional(),
  /** Column name → SQL definition. */
  columns: z.record(identifier, columnDefinition).refine((c) => Object.keys(c).length > 0, 'needs at least one column'),
  /** The primary key the user wants; pgpart adds the partition key where PostgreSQL requires it. */
  primaryKey: z.array(identifier).min(1).optional(),
  /** Unique constraints, each a list of columns. */
  unique: z.array(z.array(identifier).min(1)).default([]),
  indexes: z.array(index).default([]),
  partition: z.discriminatedUnion('by', [rangePartition, listPartition]).optional(),
  partitionForeignKey: partitionForeignKey.optional(),
  /** Tablespace for new partitions and their indexes. */
  tablespace: identifier.optional(),
  /** Tablespace for archived partitions. */
  archiveTablespace: identifier.optional(),
  /** Tablespace for partitions retention (or `detach_partition`) leaves detached. */
  detachTablespace: identifier.optional(),
  /** On Citus: distribute this root model (and, colocated with it, its dependents) by a column. */
  distribution: distribution.optional(),
});

export const configSchema = z.strictObject({
  /** Schema the models' tables live in. */
  schema: identifier.default('public'),
  /** Time zone for time boundaries of every model that does not set its own. */
  timezone: z.string().default('UTC'),
  /** Default `premake` for range models. */
  premake: z.number().int().min(0).max(1000).default(2),
  /**
   * `lock_timeout` for each lock request the runtime makes, e.g. `'300ms'` or `'2s'`: the
   * longest a writer can queue behind one. Longer makes a step more likely to get its locks
   * on a busy table, at that cost to writers.
   */
  lockTimeout: lockTimeout.default('300ms'),
  /** How many times each maintenance step asks for its locks (each try under `lockTimeout`, with backoff) before it is logged as skipped. */
  lockTries: z.number().int().min(1).max(100).default(5),
  /** Schema of the archive tables (`archive.tweet`) that retention `action: 'archive'` attaches old partitions to. */
  archiveSchema: identifier.default('archive'),
  /** Rows of a DEFAULT partition moved per transaction when draining them into a new partition. */
  drainBatch: z.number().int().min(1).max(1_000_000).default(10000),
  /**
   * Backlog work a run does per model, at most: partitions older than the current one made
   * after downtime (the current and premade ones always come first), and tier moves.
   */
  catchUp: z.number().int().min(1).max(100_000).default(100),
  /** How long `parting.history` keeps its rows, e.g. `'30 days'`: maintenance prunes older ones. */
  historyKeep: z.string().default('30 days'),
  /**
   * ANALYZE the partitioned parents of a family after a run attached or detached any of its
   * partitions (autovacuum never analyzes a partitioned table itself).
   */
  analyze: z.boolean().default(false),
  /**
   * A pg_cron schedule for `CALL parting.run_maintenance()`, e.g. `'0 * * * *'`, `'30 seconds'` or
   * `'@hourly'`; install.sql calls `parting.schedule(<it>)`. None when omitted: run maintenance yourself.
   */
  schedule: cronSchedule.optional(),
  models: z.record(identifier, model).refine((m) => Object.keys(m).length > 0, 'needs at least one model'),
  /**
   * What an install may destroy, named explicitly: a model or a column that exists in the
   * database but is gone from `models` is refused unless it is listed here. Listed models
   * lose their tables (every partition, detached and archived ones too); listed columns are
   * dropped from the table and all its partitions. Entries whose object is already gone do
   * nothing, so they may stay.
   */
  drop: z.strictObject({
    models: z.array(identifier).default([]),
    /** Model name → columns to drop. */
    columns: z.record(identifier, z.array(identifier).min(1)).default({}),
  }).default({ models: [], columns: {} }),
});

/** What a user writes: defaults may be left out. */
export type ConfigInput = z.input<typeof configSchema>;
/** A config after parsing, defaults filled in. */
export type Config = z.output<typeof configSchema>;
export type ModelConfig = z.output<typeof model>;
export type ModelInput = z.input<typeof model>;
