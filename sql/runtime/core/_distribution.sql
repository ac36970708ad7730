-- How Citus distributes a table: its distribution column (NULL for a reference table) and
-- its colocation group, from Citus's catalog (pg_catalog.pg_dist_partition); no row for a
-- table Citus does not know, and on a server without Citus.
CREATE OR REPLACE FUNCTION parting._distribution(p_rel regclass, OUT column_name text, OUT colocation integer)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF p_rel IS NULL OR NOT parting._citus() THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE format('SELECT %s(d.logicalrelid, d.partkey)::text, d.colocationid::integer FROM %s d WHERE d.logicalrelid = $1',
                              parting._citus_name('column_to_column_name'), parting._citus_name('pg_dist_partition'))
    USING p_rel;
END;
$$;
