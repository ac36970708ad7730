// pg_partman 4.7 set up the way the benchmark compares it with pgpart: the extension in schema
// `partman`, monthly native partition sets on tweet-like parents, made by create_parent from a
// first month up to now + premake (plus its default partition and template table).

import type pg from 'pg';
import { quoteIdent } from '../test/harness/db.js';
import { tweetParentDdl, type Month } from './schema.js';

export async function installPartman(c: pg.Client): Promise<void> {
  await c.query('CREATE SCHEMA partman');
  await c.query('CREATE EXTENSION pg_partman SCHEMA partman');
}

/** The tweet parent's DDL under another table name (its primary key renamed with it). */
export function tweetLikeDdl(table: string): string {
  return tweetParentDdl.replace('public.tweet', `public.${quoteIdent(table)}`).replace('tweet_pkey', quoteIdent(`${table}_pkey`));
}

/** The name pg_partman gives a monthly partition of `table`. */
export function partmanPartition(table: string, m: Month): string {
  return `public.${quoteIdent(`${table}_p${m.suffix}`)}`;
}

/**
 * A monthly partition set on public.<table> (which must exist), from `first` to the current
 * month + `premake`; pg_partman counts "current" from now() here and from the newest data
 * in its maintenance. With `retention`, old partitions are detached and kept as tables.
 */
export async function partmanMonthly(c: pg.Client, table: string, first: Month, premake: number, retention?: string): Promise<void> {
  await c.query(
    `SELECT partman.create_parent(p_parent_table := $1, p_control := 'created_at', p_type := 'native',
                                  p_interval := 'monthly', p_premake := $2, p_start_partition := $3)`,
    [`public.${table}`, premake, first.lower],
  );
  if (retention) {
    await c.query(`UPDATE partman.part_config SET retention = $1, retention_keep_table = true WHERE parent_table = $2`, [
      retention,
      `public.${table}`,
    ]);
  }
}
