-- Why a detached partition cannot be attached to its model's archive table, or NULL when it
-- can: a column both have, with another type or collation (changed by hand on the live table
-- since the archive table was made). Columns only one of them has are not a misfit:
-- parting._archive_fit fills those in.
CREATE OR REPLACE FUNCTION parting._archive_misfit(p_archive regclass, p_part regclass)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT string_agg(format('%I is %s in %s but %s in %s', a.attname, format_type(p.atttypid, p.atttypmod), p_part,
                           format_type(a.atttypid, a.atttypmod), p_archive), '; ' ORDER BY a.attnum)
    FROM pg_attribute a
    JOIN pg_attribute p ON p.attrelid = p_part AND p.attname = a.attname AND p.attnum > 0 AND NOT p.attisdropped
   WHERE a.attrelid = p_archive AND a.attnum > 0 AND NOT a.attisdropped
     AND (a.atttypid, a.atttypmod, a.attcollation) IS DISTINCT FROM (p.atttypid, p.atttypmod, p.attcollation)
$$;
