// The catalog as comparable data: what an install made, so tests can say "nothing changed"
// (a refused install) or "the same database" (a fresh replay against a live one, an upgrade
// against a fresh install). Names are printed schema-qualified; oids never appear.

import type pg from 'pg';
import { column, rows } from './helpers.js';

/** Schemas a test database holds besides PostgreSQL's own. */
const USER_SCHEMAS = `n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'`;

export interface Catalog {
  relations: string[];
  columns: string[];
  constraints: string[];
  indexes: string[];
  inherits: string[];
  routines: string[];
}

/** Tables, columns (type, NOT NULL, default, identity, generation), constraints, indexes, partitions and routines. */
export async function catalog(c: pg.Client, options: { schemas?: string[] } = {}): Promise<Catalog> {
  const only = options.schemas ? `AND n.nspname = ANY ($1::text[])` : '';
  const params = options.schemas ? [options.schemas] : [];
  return {
    relations: await column<string>(c, `
      SELECT format('%I.%I:%s:%s', n.nspname, r.relname, r.relkind, coalesce(t.spcname, '-'))
        FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace LEFT JOIN pg_tablespace t ON t.oid = r.reltablespace
       WHERE ${USER_SCHEMAS} ${only} AND r.relkind IN ('r', 'p', 'i', 'I', 'S', 'v') ORDER BY 1`, params),
    columns: await column<string>(c, `
      SELECT format('%I.%I.%I %s%s%s%s%s', n.nspname, r.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                    CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                    coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), ''),
                    CASE a.attidentity WHEN 'a' THEN ' identity always' WHEN 'd' THEN ' identity by default' ELSE '' END,
                    CASE a.attgenerated WHEN 's' THEN ' stored' ELSE '' END)
        FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE ${USER_SCHEMAS} ${only} AND r.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1`, params),
    constraints: await column<string>(c, `
      SELECT format('%s %I %s%s', k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid), CASE WHEN k.convalidated THEN '' ELSE ' (not valid)' END)
        FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
       WHERE ${USER_SCHEMAS} ${only} AND k.conrelid <> 0 ORDER BY 1`, params),
    indexes: await column<string>(c, `
      SELECT pg_get_indexdef(x.indexrelid) || CASE WHEN x.indisvalid THEN '' ELSE ' (invalid)' END
        FROM pg_index x JOIN pg_class r ON r.oid = x.indexrelid JOIN pg_namespace n ON n.oid = r.relnamespace
       WHERE ${USER_SCHEMAS} ${only} ORDER BY 1`, params),
    inherits: await column<string>(c, `
      SELECT format('%s <- %s %s', i.inhparent::regclass, i.inhrelid::regclass, coalesce(pg_get_expr(r.relpartbound, r.oid), ''))
        FROM pg_inherits i JOIN pg_class r ON r.oid = i.inhrelid JOIN pg_namespace n ON n.oid = r.relnamespace
       WHERE ${USER_SCHEMAS} ${only} ORDER BY 1`, params),
    routines: await column<string>(c, `
      SELECT p.oid::regprocedure::text || ' ' || md5(p.prosrc) || ' ' || coalesce(array_to_string(p.proconfig, ','), '')
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE ${USER_SCHEMAS} ${only} ORDER BY 1`, params),
  };
}

/** pgpart's own records: config rows, offline families, meta (but the time it was written and the fingerprints, which hold oids). */
export async function records(c: pg.Client): Promise<{ config: unknown[]; offline: unknown[]; meta: unknown[] }> {
  return {
    config: await column(c, `SELECT to_jsonb(x) FROM parting.config x ORDER BY model`),
    offline: await column(c, `SELECT to_jsonb(x) - 'since' FROM parting.offline x ORDER BY model, suffix`),
    meta: await column(c, `SELECT to_jsonb(x) - 'installed_at' - 'fingerprints' FROM parting.meta x`),
  };
}

/** Rows of each table, counted, for "no row lost" checks. */
export async function rowCounts(c: pg.Client, tables: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) {
    out[t] = Number((await rows<{ n: string }>(c, `SELECT count(*) AS n FROM ${t}`))[0]!.n);
  }
  return out;
}
