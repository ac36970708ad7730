-- Whether an index is a plain (not unique) index of the given method on exactly these
-- columns, in order: what an index of the config is.
CREATE OR REPLACE FUNCTION parting._index_matches(p_index regclass, p_columns text[], p_method text)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce((
    SELECT NOT x.indisunique AND a.amname = p_method AND x.indexprs IS NULL AND x.indpred IS NULL
           AND ARRAY(SELECT att.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                       JOIN pg_attribute att ON att.attrelid = x.indrelid AND att.attnum = k.attnum ORDER BY k.n) = p_columns
      FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_am a ON a.oid = c.relam
     WHERE x.indexrelid = p_index), false)
$$;
