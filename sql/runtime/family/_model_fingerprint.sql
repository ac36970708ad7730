-- What an install's comparison of a model with the catalog reads, as one value: the parent
-- (its columns with their types, collation, NOT NULL, identity, generation and default, its
-- constraints and indexes), every table of the family as parting._model_tables lists them
-- (attached partitions, detached and filling tables, the archive table and the archived
-- partitions) with its oid, name and schema; the indexes (oid, name, validity) of the tables
-- no parent holds and of the archive's, where pgpart finds its copy by name; a dependent's
-- foreign keys on every table (oid, name, validity, the table referenced); the model's
-- rows of parting.config and parting.offline, and the archive schema. Anything made,
-- dropped, renamed, attached, detached, validated or made invalid there changes it (a new
-- object is a new oid; a default set again is a new pg_attrdef row).
-- An attached partition's indexes are not read: the comparison takes a partition as having
-- its copy when one is attached to the parent's index, and PostgreSQL keeps a valid
-- partitioned index attached to a valid copy on every partition (such a copy cannot be
-- dropped or detached on its own), so the parent's indexes, which are read, say it all. That
-- keeps the cost to an index lookup or two per table, plain 64-bit hashes folded by XOR,
-- each seeded by its object's oid (so two objects swapping names change it too), with no
-- text made per object.
-- It cannot see an object changed in place by hand (a foreign key made DEFERRABLE, an
-- index's storage options): the install then skips what the comparison would have found
-- (check() reports it, repair() fixes it). NULL when the model has no table.
CREATE OR REPLACE FUNCTION parting._model_fingerprint(p_cfg parting.config)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH parent AS (SELECT to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name))::oid AS oid),
       archive AS (SELECT to_regclass(format('%I.%I', (parting._settings()).archive_schema, p_cfg.table_name))::oid AS oid),
       tabs AS (
         SELECT i.inhrelid AS rel, 1 AS ord FROM pg_inherits i, parent WHERE i.inhparent = parent.oid
         UNION ALL
         SELECT r.rel, 2
           FROM parting.offline o
          CROSS JOIN LATERAL (SELECT to_regclass(format('%I.%I', o.schema_name, o.table_name))::oid AS rel) r
          WHERE o.model = p_cfg.model AND r.rel IS NOT NULL
         UNION ALL
         SELECT archive.oid, 3 FROM archive WHERE archive.oid IS NOT NULL
         UNION ALL
         SELECT i.inhrelid, 4 FROM pg_inherits i, archive WHERE i.inhparent = archive.oid)
  SELECT CASE WHEN (SELECT parent.oid FROM parent) IS NOT NULL THEN concat_ws('/',
    md5(concat_ws(E'\n',
      (SELECT to_jsonb(c)::text FROM parting.config c WHERE c.model = p_cfg.model),
      (SELECT string_agg((to_jsonb(o) - 'since')::text, ',' ORDER BY o.suffix) FROM parting.offline o WHERE o.model = p_cfg.model),
      (parting._settings()).archive_schema,
      (SELECT string_agg(concat_ws(':', a.attnum, a.attname, a.atttypid, a.atttypmod, a.attcollation, a.attnotnull,
                                   a.attidentity, a.attgenerated, a.attisdropped, d.oid), ',' ORDER BY a.attnum)
         FROM parent JOIN pg_attribute a ON a.attrelid = parent.oid AND a.attnum > 0
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum),
      (SELECT string_agg(concat_ws(':', x.indexrelid, ic.relname, x.indisvalid), ',' ORDER BY x.indexrelid)
         FROM parent JOIN pg_index x ON x.indrelid = parent.oid JOIN pg_class ic ON ic.oid = x.indexrelid),
      (SELECT string_agg(concat_ws(':', k.oid, k.conname, k.convalidated), ',' ORDER BY k.oid)
         FROM parent JOIN pg_constraint k ON k.conrelid = parent.oid))),
    -- Per table: scalar subqueries, each an index lookup (joined, the planner hashes all of
    -- pg_class for every model); no concat or format (each looks up its arguments' output
    -- functions per row, several times the cost of the lookups themselves).
    (SELECT count(*)::text || ':' || coalesce(bit_xor(
              (SELECT hashtextextended(c.relname::text, (t.rel::int8 << 3) # t.ord) # hashint8extended(c.relnamespace::int8, t.rel::int8)
                 FROM pg_class c WHERE c.oid = t.rel)
              # CASE WHEN t.ord > 1 THEN coalesce(
                  (SELECT bit_xor(hashint8extended((x.indexrelid::int8 << 1) # x.indisvalid::int::int8, t.rel::int8)
                                  # hashtextextended(ic.relname::text, x.indexrelid::int8))
                     FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid = t.rel), 0) ELSE 0 END
              # CASE WHEN p_cfg.parent_model IS NOT NULL THEN coalesce(
                  (SELECT bit_xor(hashtextextended(k.conname::text, (k.oid::int8 << 32) # (k.confrelid::int8 << 1) # k.convalidated::int::int8))
                     FROM pg_constraint k WHERE k.conrelid = t.rel AND k.contype = 'f'), 0) ELSE 0 END), 0)::text
       FROM tabs t))
  END
$$;
