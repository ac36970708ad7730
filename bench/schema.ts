// The tables the benchmark partitions, written three ways that end up with the same
// columns, keys and per-partition indexes: a pgpart config, hand-written DDL (the floor),
// and the parent pg_partman is pointed at.

import type { ConfigInput } from '../src/config/schema.js';
import { quoteIdent } from '../test/harness/db.js';

/** One month in UTC: the pgpart key, the partition suffix and its bounds. */
export interface Month {
  key: string; // '2013-03' (what parting.ensure_partition takes)
  suffix: string; // '2013_03' (what every tool names the partition with)
  lower: string; // '2013-03-01 00:00:00+00'
  upper: string; // '2013-04-01 00:00:00+00'
}

function monthAt(year: number, month0: number): Month {
  const d = new Date(Date.UTC(year, month0, 1));
  const n = new Date(Date.UTC(year, month0 + 1, 1));
  const fmt = (x: Date): string => `${x.getUTCFullYear()}-${String(x.getUTCMonth() + 1).padStart(2, '0')}`;
  return {
    key: fmt(d),
    suffix: fmt(d).replace('-', '_'),
    lower: `${fmt(d)}-01 00:00:00+00`,
    upper: `${fmt(n)}-01 00:00:00+00`,
  };
}

/** `count` consecutive months starting `offset` months after the current UTC month. */
export function months(offset: number, count: number, now: Date = new Date()): Month[] {
  return Array.from({ length: count }, (_, i) => monthAt(now.getUTCFullYear(), now.getUTCMonth() + offset + i));
}

/** tweet's columns, as every method's parent has them. */
export const tweetColumns = {
  id: 'bigint generated always as identity',
  json: 'jsonb not null',
  user: 'text not null',
  created_at: 'timestamptz not null default now()',
};

/**
 * Part 1: tweet alone, primary key (id, created_at) as declared, so pgpart adds no
 * per-partition unique index and all three methods build the same one index per partition.
 */
export const tweetOnlyConfig: ConfigInput = {
  schema: 'public',
  timezone: 'UTC',
  models: {
    tweet: {
      columns: tweetColumns,
      primaryKey: ['id', 'created_at'],
      partition: { by: 'range', column: 'created_at', interval: '1 month', initial: false },
    },
  },
};

/**
 * Parts 2 and 3: the example's tweet + star. primaryKey ['id'] gives each partition
 * pk (id, created_at) plus a unique index on id, which the partition foreign key
 * star_X(tweet_id) → tweet_X(id) needs.
 */
export const familyConfig: ConfigInput = {
  schema: 'public',
  timezone: 'UTC',
  models: {
    tweet: {
      columns: tweetColumns,
      primaryKey: ['id'],
      partition: { by: 'range', column: 'created_at', interval: '1 month', initial: false },
    },
    star: starModel('tweet'),
  },
};

/** star: a dependent in lockstep with `references`, through tweet_id. */
export function starModel(references: string, column = 'tweet_id'): NonNullable<ConfigInput['models']>[string] {
  return {
    columns: { id: 'bigint generated always as identity', user: 'text not null' },
    primaryKey: ['id'],
    partitionForeignKey: { column, references },
  };
}

/** The tweet parent, as pgpart's install.sql makes it. Used by the bare DDL and pg_partman. */
export const tweetParentDdl = `
CREATE TABLE public.tweet (
  id bigint GENERATED ALWAYS AS IDENTITY,
  json jsonb NOT NULL,
  "user" text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tweet_pkey PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at)`;

/**
 * The star parent for the bare DDL: the same columns and key as pgpart's, but without the
 * partitioned index on tweet_id (the bare family DDL creates it per partition, as pgpart does).
 */
export const starParentDdl = `
CREATE TABLE public.star (
  id bigint GENERATED ALWAYS AS IDENTITY,
  "user" text NOT NULL,
  tweet_id bigint NOT NULL,
  tweet_created_at timestamptz NOT NULL,
  CONSTRAINT star_pkey PRIMARY KEY (id, tweet_created_at)
) PARTITION BY RANGE (tweet_created_at)`;

const bounds = (m: Month): string => `FOR VALUES FROM ('${m.lower}') TO ('${m.upper}')`;

/** Part 1 floor: one statement, ACCESS EXCLUSIVE on the parent. */
export function bareTweetPartition(m: Month): string {
  return `CREATE TABLE ${quoteIdent(`tweet_${m.suffix}`)} PARTITION OF public.tweet ${bounds(m)}`;
}

/**
 * Parts 2 and 3 floor: the same family pgpart makes (tweet_X: pkey + unique(id);
 * star_X: pkey + unique(id) + index(tweet_id) + FK to tweet_X (id, created_at) over (tweet_id, tweet_created_at), ON UPDATE CASCADE), in one transaction,
 * with plain PARTITION OF. One simple-protocol query string, so one round trip.
 */
export function bareFamily(m: Month): string {
  const t = quoteIdent(`tweet_${m.suffix}`);
  const s = quoteIdent(`star_${m.suffix}`);
  const n = (table: string, tag: string): string => quoteIdent(`${table}_${m.suffix}_${tag}`);
  return [
    'BEGIN',
    `CREATE TABLE ${t} PARTITION OF public.tweet ${bounds(m)}`,
    `CREATE UNIQUE INDEX ${n('tweet', 'id_uniq')} ON ${t} (id)`,
    `CREATE TABLE ${s} PARTITION OF public.star ${bounds(m)}`,
    `CREATE UNIQUE INDEX ${n('star', 'id_uniq')} ON ${s} (id)`,
    `CREATE INDEX ${n('star', 'tweet_id_idx')} ON ${s} (tweet_id)`,
    `ALTER TABLE ${s} ADD CONSTRAINT ${n('star', 'tweet_id_fkey')} FOREIGN KEY (tweet_id, tweet_created_at) REFERENCES ${t} (id, created_at) ON UPDATE CASCADE`,
    'COMMIT',
  ].join(';\n');
}

/** pgpart: one call creates the whole family (tweet_X, then star_X with its FK). */
export function pgpartEnsure(m: Month): string {
  return `SELECT count(*)::int AS n FROM parting.ensure_partition('tweet', '${m.key}')`;
}

/**
 * Part 4: the tweet + star family of parts 2–3 with retention. Partitions whose every row is
 * older than two months are detached and archived (moved to `archive.tweet` / `archive.star`);
 * run_maintenance keeps the current month and 2 ahead.
 */
export const retentionFamilyConfig: ConfigInput = withTweetPartition({ premake: 2, retention: { keep: '2 months', action: 'archive' } });

/**
 * The family config with tweet's monthly partitioning (`initial: false`) given these settings
 * (retention, premake, a default partition), and project settings merged in.
 */
export function withTweetPartition(partition: Record<string, unknown>, project: Partial<ConfigInput> = {}): ConfigInput {
  return {
    ...familyConfig,
    ...project,
    models: {
      ...familyConfig.models,
      tweet: {
        ...familyConfig.models.tweet!,
        partition: { by: 'range', column: 'created_at', interval: '1 month', initial: false, ...partition },
      },
    },
  } as ConfigInput;
}

/** Part 4 floor: detach one family, star_X before tweet_X, parents locked first in the writers' order. */
export function bareDetachFamily(m: Month): string {
  return [
    'BEGIN',
    'LOCK TABLE ONLY public.tweet, ONLY public.star IN ACCESS EXCLUSIVE MODE',
    `ALTER TABLE public.star DETACH PARTITION ${quoteIdent(`star_${m.suffix}`)}`,
    `ALTER TABLE public.tweet DETACH PARTITION ${quoteIdent(`tweet_${m.suffix}`)}`,
    'COMMIT',
  ].join(';\n');
}
