// Daily partitions of the tweet + star family: the pgpart config, the day keys, and the
// hand-written floor that builds the same family the way pgpart does (unattached tables,
// then ATTACH), so the two can be timed against each other on the same parents.

import type pg from 'pg';
import type { ConfigInput } from '../src/config/schema.js';
import { quoteIdent } from '../test/harness/db.js';
import { withTweetPartition } from './schema.js';

/** One UTC day (or any range partition of the family): the pgpart key, the partition suffix and its bounds. */
export interface Day {
  key: string; // '2013-03-15'
  suffix: string; // '2013_03_15'
  lower: string; // '2013-03-15 00:00:00+00'
  upper: string; // '2013-03-16 00:00:00+00'
}

const ymd = (d: Date): string =>
  `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;

/** The UTC day `offset` days after today (negative: before). */
export function dayAt(offset: number, now: Date = new Date()): Day {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset));
  const n = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + offset + 1));
  return { key: ymd(d), suffix: ymd(d).replace(/-/g, '_'), lower: `${ymd(d)} 00:00:00+00`, upper: `${ymd(n)} 00:00:00+00` };
}

/** Part 2's tweet + star family with daily partitions; install.sql makes today and 2 days ahead. */
export const dailyFamilyConfig: ConfigInput = withTweetPartition({ interval: '1 day', premake: 2, initial: true });

/** The identity sequences of the parents, which a partition's id column defaults to on PostgreSQL 14–16. */
export interface Sequences {
  tweet: string;
  star: string;
}

/** The parents' identity sequences where pgpart sets them as a partition's id default (14–16), else null. */
export async function identitySequences(c: pg.Client): Promise<Sequences | null> {
  const v = await c.query<{ num: number; tweet: string | null; star: string | null }>(
    `SELECT current_setting('server_version_num')::int AS num,
            pg_get_serial_sequence('public.tweet', 'id') AS tweet, pg_get_serial_sequence('public.star', 'id') AS star`,
  );
  const row = v.rows[0]!;
  return row.num < 170000 && row.tweet && row.star ? { tweet: row.tweet, star: row.star } : null;
}

/**
 * The floor for one family made the way pgpart makes it: each table made unattached (LIKE
 * the parent, the id default pgpart sets on PostgreSQL 14–16, the CHECK matching the bounds
 * so ATTACH need not scan, the same indexes under the same names, the star → tweet foreign
 * key). The result, once attached, is the catalog pgpart leaves, minus its history rows.
 */
export function bareFamilyTables(d: Day, seq: Sequences | null): string[] {
  const like = 'INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMMENTS';
  const t = `public.${quoteIdent(`tweet_${d.suffix}`)}`;
  const s = `public.${quoteIdent(`star_${d.suffix}`)}`;
  const n = (table: string, tag: string): string => quoteIdent(`${table}_${d.suffix}_${tag}`);
  const check = (col: string): string => `CHECK (${col} IS NOT NULL AND ${col} >= '${d.lower}' AND ${col} < '${d.upper}')`;
  return [
    `CREATE TABLE ${t} (LIKE public.tweet ${like})`,
    ...(seq ? [`ALTER TABLE ${t} ALTER COLUMN id SET DEFAULT nextval('${seq.tweet}'::regclass)`] : []),
    `ALTER TABLE ${t} ADD CONSTRAINT ${n('tweet', 'bound')} ${check('created_at')}`,
    `ALTER TABLE ${t} ADD CONSTRAINT ${n('tweet', 'pkey')} PRIMARY KEY (id, created_at)`,
    `CREATE UNIQUE INDEX ${n('tweet', 'id_uniq')} ON ${t} (id)`,
    `CREATE TABLE ${s} (LIKE public.star ${like})`,
    ...(seq ? [`ALTER TABLE ${s} ALTER COLUMN id SET DEFAULT nextval('${seq.star}'::regclass)`] : []),
    `ALTER TABLE ${s} ADD CONSTRAINT ${n('star', 'bound')} ${check('tweet_created_at')}`,
    `ALTER TABLE ${s} ADD CONSTRAINT ${n('star', 'pkey')} PRIMARY KEY (id, tweet_created_at)`,
    `CREATE UNIQUE INDEX ${n('star', 'id_uniq')} ON ${s} (id)`,
    `CREATE INDEX ${n('star', 'tweet_id_idx')} ON ${s} (tweet_id)`,
    `ALTER TABLE ${s} ADD CONSTRAINT ${n('star', 'tweet_id_fkey')} FOREIGN KEY (tweet_id, tweet_created_at) REFERENCES ${t} (id, created_at) ON UPDATE CASCADE`,
  ];
}

/** Attaching the floor's tables of a day: tweet's, then star's (the writers' order). */
export function bareFamilyAttach(d: Day): { tweet: string; star: string } {
  const bounds = `FOR VALUES FROM ('${d.lower}') TO ('${d.upper}')`;
  return {
    tweet: `ALTER TABLE public.tweet ATTACH PARTITION public.${quoteIdent(`tweet_${d.suffix}`)} ${bounds}`,
    star: `ALTER TABLE public.star ATTACH PARTITION public.${quoteIdent(`star_${d.suffix}`)} ${bounds}`,
  };
}

/** The whole floor for one family in one transaction, one simple-protocol query string: one round trip. */
export function bareAttachFamily(d: Day, seq: Sequences | null): string {
  const attach = bareFamilyAttach(d);
  return ['BEGIN', ...bareFamilyTables(d, seq), attach.tweet, attach.star, 'COMMIT'].join(';\n');
}

/** pgpart: one call makes the whole family of a day. */
export function pgpartEnsureDay(d: Day): string {
  return `SELECT count(*)::int AS n FROM parting.ensure_partition('tweet', '${d.key}')`;
}
