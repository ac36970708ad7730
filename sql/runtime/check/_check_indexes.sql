-- 'missing index': a table without an index of the model, plain or per-partition unique (keys
-- are PostgreSQL's to keep), or with an invalid one.
CREATE OR REPLACE FUNCTION parting._check_indexes(p_cfg parting.config, p_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.model, t.rel::text, t.suffix, 'missing index',
         CASE WHEN x.indexrelid IS NULL THEN format('no %s (%s)', parting._name(t.relname, ix.tag), array_to_string(ix.columns, ', '))
              ELSE format('%s is not valid', parting._name(t.relname, ix.tag)) END,
         'build it (CREATE INDEX; SHARE on the table while it builds)', true
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
   CROSS JOIN LATERAL jsonb_to_recordset(p_cfg.indexes) AS ix(kind text, columns text[], method text, tag text)
    LEFT JOIN pg_class c ON c.relnamespace = (SELECT rr.relnamespace FROM pg_class rr WHERE rr.oid = t.rel)
                        AND c.relname = parting._name(t.relname, ix.tag)
    LEFT JOIN pg_index x ON x.indexrelid = c.oid AND x.indrelid = t.rel
   WHERE ix.kind IN ('index', 'local_unique') AND (x.indexrelid IS NULL OR NOT x.indisvalid)
$$;
