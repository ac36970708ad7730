/**
 * The words pgpart's SQL runtime and its TypeScript share: what one writes, the other reads.
 * Each vocabulary is written here once. The SQL side gets the change kinds from this module
 * (templates/contract.sql.hbs renders them into install.sql); for the rest, which SQL writes
 * as literals (a RAISE's text, a CHECK constraint in a numbered migration that is never edited),
 * test/unit/contract.test.ts reads the SQL and holds it to these lists.
 */

/** Every NOTICE the install raises for a change it makes starts with this; `pgpart apply` prints them. */
export const NOTICE_PREFIX = 'pgpart: ';

/** SQLSTATEs the runtime raises or the CLI reacts to. */
export const SQLSTATE = {
  /** An install refused: it would destroy or rewrite something the config does not name. The user decides (exit 1). */
  refused: 'PGP01',
  /** CALL parting.run_maintenance() inside a transaction block, where it cannot COMMIT (run it in autocommit). */
  inTransactionBlock: 'PGP03',
  /** A lock that could not be had within lock_timeout: a step skipped, an install to try again. */
  lockNotAvailable: '55P03',
  /** A cancel or statement_timeout. */
  queryCanceled: '57014',
  /** A parent's key UPDATE refused by the key guard: the row has dependents and would leave their partition. */
  keyGuard: '23001',
  /**
   * A partition not made because another role's object holds a name it needs (its table's, an
   * index's): maintenance and the install log it as skipped and make the others. Likewise an
   * index copy on an existing table whose name another object holds: the install (and
   * `pgpart apply`) logs it as skipped (step 'index') and builds the other copies.
   */
  nameTaken: 'PGP02',
  /** A relation of that name exists already: an index copy whose name was taken after `pgpart apply` listed its work. */
  duplicateTable: '42P07',
} as const;

/**
 * The actions of parting.history rows (a CHECK constraint on parting.history.action allows
 * these and no other).
 */
export const HISTORY_ACTIONS = [
  'created',      // a partition made (or a dependent's partition for keys its parent had)
  'moved',        // rows drained out of a default partition, or a table moved to a tablespace
  'attached',     // a detached or archived partition put back
  'detached',     // a partition taken out of its parent
  'archived',     // a detached partition attached to its model's archive table
  'dropped',      // a detached or archived table dropped (retention drop, dropAfter)
  'forgotten',    // a record of a detached table that was dropped by hand, deleted
  'quarantined',  // a dependent's rows no partition could take, put aside in parting.stray_<table>
  'analyzed',     // the partitioned parents of a family analyzed after a run
  'maintained',   // one run_maintenance of a root model: its steps and their outcomes
  'reconciled',   // a change an install made
  'repaired',     // a problem parting.repair() fixed
  'failed',       // a step or a repair that failed (its error in detail)
  'skipped',      // a step or a repair whose locks could not be had in lockTries tries, or whose name another role's object holds
  'adopted',      // a step of adopting an existing table and its dependents (start, swap, finish, abort)
] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

/**
 * What a maintenance step or a repair came to. A step: done, more (it needs another
 * transaction: a batched drain, a move of several tables), skipped (its locks), taken (a
 * name it needs is another role's object: logged as skipped, the family's later ones go on), failed,
 * cancelled (logged as failed; the run stops). A repair: repaired, skipped, failed.
 */
export const STEP_OUTCOMES = ['done', 'more', 'skipped', 'taken', 'failed', 'cancelled'] as const;
export const REPAIR_OUTCOMES = ['repaired', 'skipped', 'failed'] as const;
export type RepairOutcome = (typeof REPAIR_OUTCOMES)[number];

/** The strongest lock a kind of change may take on a user table, weakest first. */
export const LOCK_CLASSES = ['none', 'ACCESS SHARE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'ACCESS EXCLUSIVE'] as const;
export type LockClass = (typeof LOCK_CLASSES)[number];

/**
 * The kinds of change an install makes (parting.change.change), each with its phase (changes
 * run in phase order: schemas before tables, columns before indexes, parents' partitions
 * before … , the schedule last) and the strongest lock it may take. parting._change refuses a
 * kind that is not here, and a change that asks for a stronger lock than its kind's.
 */
export const CHANGE_KINDS = {
  'create schema': { phase: 10, lock: 'none' },
  'recreate model': { phase: 15, lock: 'ACCESS EXCLUSIVE' },
  'create model': { phase: 20, lock: 'none' },
  'rename model': { phase: 20, lock: 'ACCESS EXCLUSIVE' },
  'alter model': { phase: 20, lock: 'ACCESS EXCLUSIVE' },
  'add column': { phase: 30, lock: 'ACCESS EXCLUSIVE' },
  'alter column': { phase: 31, lock: 'ACCESS EXCLUSIVE' },
  'set default': { phase: 31, lock: 'ACCESS EXCLUSIVE' },
  'drop default': { phase: 31, lock: 'ACCESS EXCLUSIVE' },
  'alter column type': { phase: 32, lock: 'ACCESS EXCLUSIVE' },
  'set not null': { phase: 33, lock: 'ACCESS EXCLUSIVE' },
  'drop not null': { phase: 33, lock: 'ACCESS EXCLUSIVE' },
  'drop column': { phase: 35, lock: 'ACCESS EXCLUSIVE' },
  'drop index': { phase: 40, lock: 'ACCESS EXCLUSIVE' },
  'add index': { phase: 41, lock: 'SHARE' },
  'build index': { phase: 42, lock: 'SHARE' },
  'alter foreign key': { phase: 50, lock: 'ACCESS EXCLUSIVE' },
  'validate foreign key': { phase: 50, lock: 'ACCESS EXCLUSIVE' },
  'add key guard': { phase: 55, lock: 'SHARE ROW EXCLUSIVE' },
  'update settings': { phase: 60, lock: 'none' },
  'add config': { phase: 60, lock: 'none' },
  'comment': { phase: 62, lock: 'SHARE UPDATE EXCLUSIVE' },
  'update config': { phase: 60, lock: 'none' },
  // Citus: create_distributed_table on a distributed model's parent and archive table.
  'distribute': { phase: 65, lock: 'ACCESS EXCLUSIVE' },
  'add member partitions': { phase: 70, lock: 'ACCESS EXCLUSIVE' },
  'create partitions': { phase: 80, lock: 'ACCESS EXCLUSIVE' },
  'drop default partition': { phase: 85, lock: 'ACCESS EXCLUSIVE' },
  'drop model': { phase: 95, lock: 'ACCESS EXCLUSIVE' },
  'schedule': { phase: 98, lock: 'none' },
  'unschedule': { phase: 98, lock: 'none' },
} as const satisfies Record<string, { phase: number; lock: LockClass }>;
export type ChangeKind = keyof typeof CHANGE_KINDS;

/** The kinds of problem parting.check() reports; each has a routine of its own in sql/runtime/check/. */
export const PROBLEM_KINDS = [
  'missing table',
  'missing partition',
  'name taken',
  'gap',
  'misnamed partition',
  'past retention',
  'missing member',
  'orphan table',
  'missing foreign key',
  'foreign key',
  'mismatched keys',
  'missing index',
  'missing bound check',
  'owner',
  'grants',
  'tablespace',
  'rows in default',
  'stray rows',
  'forgotten table',
  'config changed',
  'builds pending',
  'adoption in progress', // a `pgpart adopt` started and not finished (stopped, killed, or still running)
  'distribution', // Citus: a table of a distributed model not distributed, or not colocated with its root
] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];
