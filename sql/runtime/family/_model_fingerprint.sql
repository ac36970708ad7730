-- What an install's comparison of a model with the catalog reads, as one value: the parent
-- (its columns with their types, collation, NOT NULL, identity, generation and default, its
-- constraints and indexes), every table of the family as parting._model_tables lists them
-- (attached partitions, detached and filling tables, the archive table and the archived
-- partitions) with its oid, name and schema, each of its indexes (oid, validity; the name
-- too on tables no parent holds, where pgpart finds its copy by name) and each of its
-- constraints (oid, name, validity, the table it references); the model's rows of
-- parting.config and parting.offline, and the archive schema. Anything made, dropped,
-- renamed, attached, detached, validated or made invalid changes it (a new object is a new
-- oid; a default set again is a new pg_attrdef row). One query: an index lookup per table
-- and catalog (a scalar subquery each: joined, the planner hashes all of pg_class), each row folded into a sum of 64-bit hashes seeded by its oid (so two
-- objects swapping names change it too), without the text pg_get_constraintdef and
-- regclass make per row, so it costs a fraction of the comparison it lets an install skip.
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
    (SELECT concat_ws(':', count(*),
                      sum((SELECT hashtextextended(concat_ws(':', c.relname, c.relnamespace, t.ord), t.rel::int8)
                             FROM pg_class c WHERE c.oid = t.rel)),
                      sum((SELECT sum(hashint8extended(x.indexrelid::int8 * 2 + x.indisvalid::int, t.rel::int8)::numeric
                                      + CASE WHEN t.ord > 1 THEN hashtextextended((SELECT ic.relname::text FROM pg_class ic WHERE ic.oid = x.indexrelid), x.indexrelid::int8) ELSE 0 END)
                             FROM pg_index x WHERE x.indrelid = t.rel)),
                      sum((SELECT sum(hashtextextended(k.conname, (k.oid::int8 << 32) + k.confrelid::int8)::numeric + k.convalidated::int)
                             FROM pg_constraint k WHERE k.conrelid = t.rel)))
       FROM tabs t))
  END
$$;
