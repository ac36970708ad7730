// A live database for the reconcile tests: a shop whose `orders` are partitioned by day and
// whose `items` hang off them in lockstep, installed, filled for a week, with one day
// detached and one archived, as a database looks on day 2. Each test changes the config,
// installs again, and looks at every table of the family.

import type pg from 'pg';
import * as assert from 'uvu/assert';
import type { ConfigInput } from '../../src/config/schema.js';
import { psqlFile, type FreshDatabase, type PsqlResult } from '../harness/db.js';
import { installed, writeInstallSql } from '../harness/install.js';
import { catalog, records } from './catalog.js';
import { column } from './helpers.js';

/** A day counted from today (UTC). */
export interface Day {
  key: string;
  suffix: string;
  at: string;
}

export function day(offset: number): Day {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset));
  const iso = d.toISOString().slice(0, 10);
  return { key: iso, suffix: iso.replace(/-/g, '_'), at: `${iso} 12:00:00+00` };
}

/** The day detached and the day archived by the setup, and the days left attached with rows. */
export const DETACHED = day(-6);
export const ARCHIVED = day(-5);
export const ATTACHED = [day(-4), day(-3), day(-2), day(-1), day(0)];

type Models = Record<string, Record<string, any>>;
type Change = (models: Models, config: ConfigInput & { models: Models }) => void;

/** A copy of `config` with `change` applied. */
export function changed(config: ConfigInput, change: Change): ConfigInput {
  const copy = structuredClone(config) as ConfigInput & { models: Models };
  change(copy.models, copy);
  return copy;
}

/** The shop's config, with `change` applied to a fresh copy (add a column, a model, …). */
export function shop(change: Change = () => {}): ConfigInput {
  const config: ConfigInput & { models: Models } = {
    timezone: 'UTC',
    models: {
      orders: {
        columns: {
          id: 'bigint generated always as identity',
          customer: 'text not null',
          total: 'numeric(10,2) not null',
          created_at: 'timestamptz not null default now()',
        },
        primaryKey: ['id'],
        partition: { by: 'range', column: 'created_at', interval: '1 day', premake: 2 },
      },
      items: {
        columns: { id: 'bigint generated always as identity', sku: 'text not null' },
        primaryKey: ['id'],
        partitionForeignKey: { column: 'order_id', references: 'orders' },
      },
    },
  };
  change(config.models, config);
  return config;
}

/** Two orders and an item for each, in a day. */
export async function fill(c: pg.Client, d: Day): Promise<void> {
  await c.query(`
    WITH o AS (INSERT INTO orders (customer, total, created_at) VALUES ('ann', 10, $1), ('bob', 20, $1) RETURNING id, created_at)
    INSERT INTO items (sku, order_id, orders_created_at) SELECT 'sku-' || id, id, created_at FROM o`, [d.at]);
}

/** The shop installed from `config`, a week of rows, DETACHED detached and ARCHIVED archived. */
export async function liveShop(prefix: string, config: ConfigInput = shop()): Promise<FreshDatabase> {
  const db = await installed(prefix, config);
  const c = db.client;
  for (const d of [DETACHED, ARCHIVED, ...ATTACHED]) {
    await c.query(`SELECT parting.ensure_partition('orders', $1)`, [d.key]);
    await fill(c, d);
  }
  await c.query(`SELECT parting.detach_partition('orders', $1)`, [DETACHED.key]);
  await c.query(`SELECT parting.detach_partition('orders', $1, 'archive')`, [ARCHIVED.key]);
  return db;
}

/** Runs the install of `config` with psql, as a user does. */
export function tryInstall(url: string, config: ConfigInput): Promise<PsqlResult> {
  return psqlFile(url, writeInstallSql(config));
}

/** Installs `config`; fails the test with psql's output when it does not succeed. */
export async function reinstall(url: string, config: ConfigInput): Promise<PsqlResult> {
  const r = await tryInstall(url, config);
  assert.is(r.code, 0, `install failed:\n${r.stderr}`);
  return r;
}

/**
 * Installs `config`, which must be refused with a message matching every pattern, and
 * checks that nothing changed: the catalog and pgpart's records are as they were.
 */
export async function refused(db: FreshDatabase, config: ConfigInput, ...patterns: (string | RegExp)[]): Promise<string> {
  const before = { catalog: await catalog(db.client), records: await records(db.client), history: await historyCount(db.client) };
  const r = await tryInstall(db.url, config);
  assert.is(r.code, 3, `the install should stop with an error (psql exit 3), got ${r.code}:\n${r.stderr}`);
  assert.match(r.stderr, 'ERROR:  pgpart refused this install');
  assert.match(r.stderr, 'HINT:  nothing was changed');
  for (const p of patterns) assert.match(r.stderr, p, r.stderr);
  const after = { catalog: await catalog(db.client), records: await records(db.client), history: await historyCount(db.client) };
  assert.equal(after, before, 'a refused install changes nothing');
  return r.stderr;
}

async function historyCount(c: pg.Client): Promise<number> {
  return Number((await column(c, 'SELECT count(*) FROM parting.history'))[0]);
}

/** Every table of a model's family: parent, attached partitions, detached and archived ones, archive table. */
export function familyTables(c: pg.Client, model: string): Promise<string[]> {
  return column<string>(c, `
    SELECT format('%I.%I', c.schema_name, c.table_name)::regclass::text FROM parting.config c WHERE c.model = $1
    UNION ALL
    SELECT t.rel::text FROM parting.config c CROSS JOIN LATERAL parting._model_tables(c) t WHERE c.model = $1
    ORDER BY 1`, [model]);
}

/** The tables among `tables` that lack the column, or have it with another type. */
export function withoutColumn(c: pg.Client, tables: string[], name: string, type: string): Promise<string[]> {
  return column<string>(c, `
    SELECT t FROM unnest($1::text[]) AS t
     WHERE NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = t::regclass AND a.attname = $2 AND NOT a.attisdropped
                          AND format_type(a.atttypid, a.atttypmod) = $3)
     ORDER BY 1`, [tables, name, type]);
}
