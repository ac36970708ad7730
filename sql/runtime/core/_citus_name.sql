-- The name of a function or table of Citus's, schema-qualified (Citus makes them in
-- pg_catalog): what pgpart's dynamic SQL calls on Citus. Built here rather than written as
-- a constant string, so that plpgsql_check, which checks constant dynamic SQL, does not
-- look for Citus on a server that has none.
CREATE OR REPLACE FUNCTION parting._citus_name(p_name text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.format('pg_catalog.%I', p_name);
$$;
