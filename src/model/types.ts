/** The normalized model: what `validate` makes of a config and every later stage consumes. */

export type TimeUnit = 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

export interface Column {
  name: string;
  /** The SQL after the column name, as written (or as pgpart made it for added columns). */
  definition: string;
  /** The base type, normalized: `timestamptz`, `bigint`, `text`, … */
  type: string;
  identity: boolean;
  generated: boolean;
  notNull: boolean;
}

export interface RangeStrategy {
  kind: 'range';
  column: string;
  keyType: 'timestamptz' | 'timestamp' | 'date' | 'integer';
  /** Set for time keys. */
  unit: TimeUnit | null;
  /** Set for integer keys. */
  width: number | null;
  timezone: string;
  premake: number;
  initial: boolean;
  default: boolean;
  /** keep and dropAfter: an interval for time keys, a number of partitions for integer keys. */
  retention: { keep: string; action: 'detach' | 'archive' | 'drop'; dropAfter: string | null } | null;
  /** Storage tiers, youngest first; moveAfter written like keep. */
  tiers: { moveAfter: string; tablespace: string }[];
}

export interface ListStrategy {
  kind: 'list';
  column: string;
  keyType: 'text' | 'integer';
  initial: string[];
  default: boolean;
}

export type Strategy = RangeStrategy | ListStrategy;

/**
 * An index or constraint every partition gets. `tag` names it on a partition
 * (`<partition>_<tag>`, hash-shortened past 63 bytes); `name` is the parent's (empty for
 * `local_unique`, which exists on partitions only: it keeps a column unique inside each
 * partition where PostgreSQL cannot enforce it across the table).
 */
export interface IndexSpec {
  kind: 'primary' | 'unique' | 'index' | 'local_unique';
  columns: string[];
  using: string;
  tag: string;
  name: string;
}

/** How a dependent model hangs off the model it references (partition foreign keys). */
export interface FamilyLink {
  references: string;
  columns: string[];
  refColumns: string[];
  keyColumn: string;
  onDelete: 'no action' | 'restrict' | 'cascade' | 'set null';
  /** Name tag of the foreign key on each partition. */
  tag: string;
}

export interface Model {
  name: string;
  schema: string;
  table: string;
  columns: Column[];
  /** For a dependent: the root's strategy, on the dependent's key column. */
  strategy: Strategy;
  /** The model at the top of this model's family (itself for a root). */
  root: string;
  link: FamilyLink | null;
  /** Position in the family: parents before dependents. */
  familyOrder: number;
  indexes: IndexSpec[];
  /** The primary key as declared: what a dependent's foreign key references in each partition. */
  referenceKey: string[] | null;
  tablespace: string | null;
  archiveTablespace: string | null;
  detachTablespace: string | null;
  /** What pgpart changed or added, printed as comments in the build output. */
  notes: string[];
  /**
   * On Citus: the distribution column and the model whose table it is colocated with (the
   * root's own for a root); null when the family is not distributed.
   */
  distribution: { column: string; colocateWith: string } | null;
}

/** What the runtime does the same way for every model: one row, parting.settings. */
export interface Settings {
  /** `lock_timeout` of each lock request, and tries per step: the install's locks follow them too. */
  lockTimeout: string;
  /** How many times a maintenance step asks for its locks before it is skipped. */
  lockTries: number;
  /** Schema of the archive tables retention `archive` attaches old partitions to. */
  archiveSchema: string;
  /** Rows of the DEFAULT partition moved per transaction when draining it. */
  drainBatch: number;
  /** Backlog partitions made, and tier moves made, per run at most. */
  catchUp: number;
  /** How long parting.history keeps its rows (an interval). */
  historyKeep: string;
  /** ANALYZE the parents after a run attached or detached partitions. */
  analyze: boolean;
}

export interface Project {
  schema: string;
  /** Roots before dependents; within that, in config order. */
  models: Model[];
  /** pg_cron schedule for parting.run_maintenance(), or null for none. */
  schedule: string | null;
  /** The project-wide settings (one row of parting.settings), the same for every model. */
  settings: Settings;
  /** What the install may destroy: models and columns gone from the config, named explicitly. */
  drop: { models: string[]; columns: Record<string, string[]> };
}
