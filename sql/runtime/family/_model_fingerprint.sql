-- What an install's comparison of a model reads beyond its tables, as one value: the parent
-- (its columns with their types, collation, NOT NULL, identity, generation and default, its
-- constraints and indexes with their validity), the model's rows of parting.config and
-- parting.offline, and the archive schema. Anything made, dropped, renamed, validated or
-- made invalid there changes it (a new object is a new oid; a default set again is a new
-- pg_attrdef row). The family's tables have one fingerprint each
-- (parting._table_fingerprints). It cannot see an object changed in place by hand (an
-- index's storage options): check() reports what pgpart cares about, repair() fixes it.
-- NULL when the model has no table.
CREATE OR REPLACE FUNCTION parting._model_fingerprint(p_cfg parting.config)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH parent AS (SELECT to_regclass(format('%I.%I', p_cfg.schema_name, p_cfg.table_name))::oid AS oid)
  SELECT CASE WHEN parent.oid IS NOT NULL THEN
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
         FROM parent JOIN pg_constraint k ON k.conrelid = parent.oid)))
  END
  FROM parent
$$;
