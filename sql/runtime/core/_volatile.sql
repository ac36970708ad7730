-- Whether an expression as pg_get_expr prints it calls a volatile function (clock_timestamp(),
-- random(), gen_random_uuid(), nextval(...)): a column added with such a default makes
-- PostgreSQL rewrite the table to fill it, where a stable or immutable default is stored
-- once in the catalog. Conservative: a name that any volatile function has counts.
CREATE OR REPLACE FUNCTION parting._volatile(p_expr text)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT EXISTS (
    SELECT FROM regexp_matches(p_expr, '([A-Za-z_][A-Za-z0-9_$]*)\s*\(', 'g') AS m(name)
      JOIN pg_proc p ON p.proname = lower(m.name[1])
     WHERE p.provolatile = 'v')
$$;
