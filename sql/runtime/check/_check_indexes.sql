-- 'missing index': a table without an index of the model, plain or per-partition unique (keys
-- are PostgreSQL's to keep), or with an invalid one; 'name taken' instead when the copy's
-- name is held by another object (parting._index_taken).
CREATE OR REPLACE FUNCTION parting._check_indexes(p_cfg parting.config, p_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  -- A copy's name held by an object that is not an index on the table (c without x): never
  -- built while it is there (the install skips it); only its owner (or a superuser) can free
  -- the name, so it is 'name taken', not repairable.
  SELECT p_cfg.model, t.rel::text, t.suffix,
         CASE WHEN c.oid IS NOT NULL AND x.indexrelid IS NULL THEN 'name taken' ELSE 'missing index' END,
         CASE WHEN c.oid IS NOT NULL AND x.indexrelid IS NULL
              THEN format('name taken by %s: pgpart does not build the index copy %s (%s) while it is there',
                          parting._index_taken(t.rel, ix.tag), parting._name(t.relname, ix.tag), array_to_string(ix.columns, ', '))
              WHEN x.indexrelid IS NULL THEN format('no %s (%s)', parting._name(t.relname, ix.tag), array_to_string(ix.columns, ', '))
              ELSE format('%s is not valid', parting._name(t.relname, ix.tag)) END,
         CASE WHEN c.oid IS NOT NULL AND x.indexrelid IS NULL
              THEN format('have role %s (or a superuser) drop or rename it; then install again (or parting.repair()) to build the copy',
                          pg_get_userbyid(c.relowner))
              ELSE 'build it (CREATE INDEX; SHARE on the table while it builds)' END,
         c.oid IS NULL OR x.indexrelid IS NOT NULL
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
   CROSS JOIN LATERAL jsonb_to_recordset(p_cfg.indexes) AS ix(kind text, columns text[], method text, tag text)
    LEFT JOIN pg_class c ON c.relnamespace = (SELECT rr.relnamespace FROM pg_class rr WHERE rr.oid = t.rel)
                        AND c.relname = parting._name(t.relname, ix.tag)
    LEFT JOIN pg_index x ON x.indexrelid = c.oid AND x.indrelid = t.rel
   WHERE ix.kind IN ('index', 'local_unique') AND (x.indexrelid IS NULL OR NOT x.indisvalid)
$$;
