// Shared pieces of the database tests: configs shaped like the seeds, small query helpers,
// and the catalog snapshots the "nothing was created / nothing changed" checks compare.

import type pg from 'pg';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';

/** tweet by month (nothing created at install unless asked) with star in lockstep: the seed's shape. */
export function monthlyTweetStar(partition: { premake?: number; initial?: boolean; default?: boolean } = {}): ConfigInput {
  return {
    schema: 'public',
    timezone: 'UTC',
    models: {
      tweet: {
        columns: {
          id: 'bigint generated always as identity',
          json: 'jsonb',
          user: 'text not null',
          created_at: 'timestamptz not null default now()',
        },
        primaryKey: ['id'],
        partition: {
          by: 'range', column: 'created_at', interval: '1 month',
          premake: partition.premake ?? 2, initial: partition.initial ?? false, default: partition.default ?? false,
        },
      },
      star: {
        columns: { id: 'bigint generated always as identity', user: 'text not null' },
        primaryKey: ['id'],
        partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
      },
    },
  };
}

/** The seed's list shape: tweet list-partitioned on a text column `key`, star in lockstep. */
export function listTweetStar(): ConfigInput {
  return {
    models: {
      tweet: {
        columns: { id: 'bigint generated always as identity', key: 'text not null', body: 'text' },
        primaryKey: ['id'],
        partition: { by: 'list', column: 'key' },
      },
      star: {
        columns: { id: 'bigint generated always as identity', user: 'text not null' },
        primaryKey: ['id'],
        partitionForeignKey: { column: 'tweet_id', references: 'tweet' },
      },
    },
  };
}

/** The backend pid of the client's session. */
export async function pidOf(client: pg.Client): Promise<number> {
  return Number(await scalar(client, 'SELECT pg_backend_pid()'));
}

/** Runs a before() hook body, logging its error: uvu hides errors thrown by hooks. */
export async function logged<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    console.error(`${what} failed:`, err);
    throw err;
  }
}

/** Every row, typed as the caller says (an interface works too: no index signature needed). */
export async function rows<T = Record<string, unknown>>(client: pg.Client, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await client.query(sql, params)).rows as T[];
}

/** The first column of the first row. */
export async function scalar<T = unknown>(client: pg.Client, sql: string, params: unknown[] = []): Promise<T> {
  const res = await client.query({ text: sql, values: params, rowMode: 'array' });
  assert.ok(res.rows.length > 0, `no row from: ${sql}`);
  return (res.rows[0] as unknown[])[0] as T;
}

/** The first column of every row. */
export async function column<T = unknown>(client: pg.Client, sql: string, params: unknown[] = []): Promise<T[]> {
  const res = await client.query({ text: sql, values: params, rowMode: 'array' });
  return res.rows.map((r) => (r as unknown[])[0] as T);
}

/** What a failed query reports (pg's DatabaseError fields). */
export interface PgError {
  code: string | undefined;
  message: string;
  detail: string | undefined;
  hint: string | undefined;
}

/** Runs the query, which must fail, and returns its error. */
export async function pgError(client: pg.Client, sql: string, params: unknown[] = []): Promise<PgError> {
  try {
    await client.query(sql, params);
  } catch (err) {
    const e = err as { code?: string; message: string; detail?: string; hint?: string };
    return { code: e.code, message: e.message, detail: e.detail, hint: e.hint };
  }
  assert.unreachable(`expected an error from: ${sql} ${JSON.stringify(params)}`);
  throw new Error('unreachable');
}

/** The partitions ensure_partition returned, as names. */
export function ensure(client: pg.Client, model: string, key?: string): Promise<string[]> {
  return key === undefined
    ? column<string>(client, `SELECT p::text FROM parting.ensure_partition($1) AS p`, [model])
    : column<string>(client, `SELECT p::text FROM parting.ensure_partition($1, $2) AS p`, [model, key]);
}

/** What exists: user relations (any kind), partitions as parting.partitions() sees them, history rows. */
export async function counts(client: pg.Client): Promise<{ relations: string[]; partitions: number; history: number }> {
  return {
    relations: await column<string>(client, `
      SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'
       ORDER BY 1`),
    partitions: Number(await scalar(client, 'SELECT count(*) FROM parting.partitions()')),
    history: Number(await scalar(client, 'SELECT count(*) FROM parting.history')),
  };
}

/**
 * For every partition of `model`: the names pgpart means to give it and its indexes and
 * constraints (computed with parting._name from the model's config row), next to what the
 * catalog holds. Equal sets mean PostgreSQL truncated nothing.
 */
export async function partitionNames(client: pg.Client, model: string): Promise<{
  partition: string;
  intended: { table: string; indexes: string[]; constraints: string[] };
  actual: { table: string; indexes: string[]; constraints: string[] };
}[]> {
  const found = await rows<{
    relname: string; want_table: string; want_indexes: string[]; want_constraints: string[];
    indexes: string[]; constraints: string[];
  }>(client, `
    SELECT r.relname::text,
           parting._name(c.table_name, CASE WHEN p.is_default THEN 'default'
                                            WHEN c.strategy = 'list' THEN (parting._bound(c, p.key)).suffix
                                            ELSE p.key END) AS want_table,
           ARRAY(SELECT n FROM (
                   SELECT parting._name(r.relname, x->>'tag') AS n FROM jsonb_array_elements(c.indexes) x
                   -- a default partition also gets an index on the key (searched by the drain)
                   UNION ALL SELECT parting._name(r.relname, c.key_column || '_idx')
                    WHERE p.is_default AND NOT EXISTS (SELECT FROM jsonb_array_elements(c.indexes) x
                                                        WHERE x->'columns'->>0 = c.key_column)) s
                  ORDER BY 1) AS want_indexes,
           ARRAY(SELECT n FROM (
                   SELECT parting._name(r.relname, x->>'tag') AS n FROM jsonb_array_elements(c.indexes) x
                    WHERE x->>'kind' IN ('primary', 'unique')
                   UNION ALL SELECT parting._name(r.relname, 'bound') WHERE NOT p.is_default
                   UNION ALL SELECT parting._name(r.relname, c.fk_tag) WHERE c.fk_tag IS NOT NULL
                   -- PostgreSQL 18 catalogs NOT NULL constraints, and pgpart names them too
                   UNION ALL SELECT parting._name(r.relname, a.attname || '_not_null') FROM pg_attribute a
                    WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull
                      AND current_setting('server_version_num')::int >= 180000) s ORDER BY 1) AS want_constraints,
           ARRAY(SELECT i.relname::text FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                  WHERE x.indrelid = r.oid ORDER BY 1) AS indexes,
           ARRAY(SELECT k.conname::text FROM pg_constraint k WHERE k.conrelid = r.oid ORDER BY 1) AS constraints
      FROM parting.partitions($1) p
      JOIN parting.config c ON c.model = p.model
      JOIN pg_class r ON r.oid = p.partition
     ORDER BY 1`, [model]);
  return found.map((f) => ({
    partition: f.relname,
    intended: { table: f.want_table, indexes: f.want_indexes, constraints: f.want_constraints },
    actual: { table: f.relname, indexes: f.indexes, constraints: f.constraints },
  }));
}

/** Quotes a string as an SQL literal the way pg_get_expr prints one. */
export function sqlLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A month counted from the current UTC month: now() is real, so tests never hard-code one. */
export interface Month {
  /** '2026-11': a key ensure_partition / detach_partition accept. */
  key: string;
  /** '2026_11': the partition name suffix. */
  suffix: string;
  /** '2026-11-01 00:00:00+00': the lower bound as parting.partitions() prints it. */
  lower: string;
  /** A timestamptz inside the month. */
  at: (day?: number) => string;
}

/** The month `offset` months from the current UTC month. */
export function month(offset: number): Month {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  const y = String(d.getUTCFullYear()).padStart(4, '0');
  const m = String(d.getUTCMonth() + 1).padStart(2, '0');
  return {
    key: `${y}-${m}`,
    suffix: `${y}_${m}`,
    lower: `${y}-${m}-01 00:00:00+00`,
    at: (day = 15) => `${y}-${m}-${String(day).padStart(2, '0')} 12:00:00+00`,
  };
}

/** month(from) .. month(to), inclusive. */
export function months(from: number, to: number): Month[] {
  return Array.from({ length: to - from + 1 }, (_, i) => month(from + i));
}

/** Runs fn in a transaction whose TimeZone is `tz`, then rolls it back (partitions made in it too). */
export async function rolledBackIn<T>(c: pg.Client, tz: string, fn: () => Promise<T>): Promise<T> {
  await c.query('BEGIN');
  try {
    await c.query(`SELECT set_config('TimeZone', $1, true)`, [tz]);
    return await fn();
  } finally {
    await c.query('ROLLBACK');
  }
}
