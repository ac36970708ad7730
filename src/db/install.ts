/**
 * The database side of `pgpart plan` and `pgpart apply`. Both run this build's runtime: the
 * changes come from parting.plan, the same computation install.sql's parting._install
 * carries out, so there is one diff and it lives in SQL.
 *
 * The client is one of connect()'s, its search_path pinned (./session.ts): the user's path is
 * passed to the runtime explicitly, for reading the config's column definitions.
 *
 * plan loads this build's parting schema and functions in a transaction and rolls it back
 * (they touch only pgpart's own schema: no lock on a user table beyond ACCESS SHARE), so it
 * plans with the code the install would run even over an older pgpart.
 */
import type pg from 'pg';
import type { Compiled } from '../build.js';
import type { Desired } from '../plan/plan.js';
import { literal } from '../emit/quote.js';
import { userSearchPath } from './session.js';

/** The columns of parting.plan(), in order (a database test holds this list and the function together). */
export const PLAN_COLUMNS = ['step', 'model', 'change', 'target', 'detail', 'locks', 'refused', 'statements', 'later'] as const;

/** One row of parting.plan(): a change an install would make, or refuse. */
export interface Change {
  step: number;
  model: string | null;
  change: string;
  target: string;
  detail: string | null;
  /** The locks it takes, in words. */
  locks: string;
  /** Why the install would refuse it (and so refuse everything), or null. */
  refused: string | null;
  /** What runs in the install's transaction (with psql -f, the builds too). */
  statements: string[];
  /** What `pgpart apply` runs after the transaction instead: concurrent index builds, validations. */
  later: string[];
}

/** What parting.meta says of the pgpart installed in a database, or null when there is none. */
export interface Installed {
  revision: number;
  version: string;
  configHash: string;
  pendingHash: string | null;
}

export async function installed(client: pg.Client): Promise<Installed | null> {
  const { rows: [exists] } = await client.query<{ meta: string | null; pending: boolean }>(`
    SELECT to_regclass('parting.meta')::text AS meta,
           EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass('parting.meta') AND attname = 'pending_hash') AS pending`);
  if (!exists?.meta) return null;
  const { rows: [m] } = await client.query<{ schema_revision: number; version: string; config_hash: string; pending_hash: string | null }>(
    `SELECT schema_revision, version, config_hash, ${exists.pending ? 'pending_hash' : 'NULL::text AS pending_hash'} FROM parting.meta`);
  return m ? { revision: m.schema_revision, version: m.version, configHash: m.config_hash, pendingHash: m.pending_hash } : null;
}

/** The changes installing `compiled` would make here, in order, and what it would refuse. Changes nothing. */
export async function planChanges(client: pg.Client, compiled: Compiled): Promise<Change[]> {
  return (await planAll(client, compiled)).changes;
}

/**
 * One fact of what adopting a family would do (a row of parting.adopt_plan): `root` is the
 * family's root model, `item` what the fact is about ('table', 'add column', 'foreign key',
 * 'outside reference', 'view', 'key range', 'partition', 'partitions', 'disk', …), and
 * `refused` why adoption cannot start, or null.
 */
export interface AdoptionFact {
  root: string;
  model: string | null;
  item: string;
  detail: string | null;
  refused: string | null;
}

/**
 * The changes installing `compiled` would make, and what adopting each family whose root
 * table exists unpartitioned would do (or, with `adopt`, that family): this build's runtime
 * loaded once, in a transaction rolled back. Changes nothing.
 */
export async function planAll(client: pg.Client, compiled: Compiled, adopt?: string): Promise<{ changes: Change[]; adoptions: AdoptionFact[] }> {
  await client.query('BEGIN');
  try {
    // Never queue behind another session for pgpart's own objects: give up instead.
    await client.query(`SET LOCAL lock_timeout = ${literal(compiled.desired.settings.lock_timeout)}`);
    await client.query(compiled.runtimeSql);
    const found = await changes(client, compiled.desired);
    const { rows } = await client.query<AdoptionFact>(
      'SELECT root, model, item, detail, refused FROM parting.adopt_plan($1::jsonb, $2, $3)',
      [JSON.stringify(compiled.desired), adopt ?? null, userSearchPath(client)]);
    return { changes: found, adoptions: rows };
  } finally {
    await client.query('ROLLBACK');
  }
}

/** One statement `pgpart apply` runs after the install's transaction (a row of parting._deferred). */
export interface Deferred {
  model: string | null;
  change: string;
  target: string;
  /** What it does to `object`: 'build', 'attach' or 'drop invalid' an index, 'skip' a copy whose name another object holds (logged, not built), 'validate' a foreign key. */
  verb: string;
  object: string;
  statement: string;
  /** It may wait for older transactions without blocking writers (a concurrent build, a validation). */
  waits: boolean;
}

/** What installing `desired` leaves for after its transaction here, in order (the runtime loaded in this session). */
export async function deferred(client: pg.Client, desired: Desired): Promise<Deferred[]> {
  const { rows } = await client.query<Deferred>(
    'SELECT model, change, target, verb, object, statement, waits FROM parting._deferred($1::jsonb, $2)',
    [JSON.stringify(desired), userSearchPath(client)]);
  return rows;
}

/** parting.plan of the desired document, with the runtime that is loaded in this session. */
export async function changes(client: pg.Client, desired: Desired): Promise<Change[]> {
  const { rows } = await client.query<Change>(
    `SELECT ${PLAN_COLUMNS.join(', ')} FROM parting.plan($1::jsonb, $2) ORDER BY step`,
    [JSON.stringify(desired), userSearchPath(client)]);
  return rows;
}

/** This build's parting schema and routines, committed (the install's first part, without the models). */
export async function loadRuntime(client: pg.Client, compiled: Compiled): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = ${literal(compiled.desired.settings.lock_timeout)}`);
    await client.query(compiled.runtimeSql);
    // A database with no pgpart yet: the schema's revision recorded, with no config installed
    // (the install records it after the swap), so the next install or adopt knows what it has;
    // and the config rows as they are (none but an adoption's), so check() does not take them
    // for rows changed by hand.
    await client.query(`INSERT INTO parting.meta (schema_revision, version, config_hash, config_rows_hash)
                        SELECT $1, $2, '', parting._config_rows_hash() WHERE NOT EXISTS (SELECT FROM parting.meta)`,
                       [compiled.revision, compiled.version]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

