-- <base>_<suffix>, hash-shortened (parting._long_name) when longer than 63 bytes, because
-- PostgreSQL would otherwise truncate it silently (and two long names could become one).
-- Same rule as src/model/names.ts. A SQL function with no SET clause, so the planner
-- inlines it into the query that calls it: a name per row of a catalog scan costs a string
-- concatenation, and no caller needs a copy of the short case. Every name in it is
-- qualified with pg_catalog, so it resolves the same whatever the caller's search_path.
CREATE OR REPLACE FUNCTION parting._name(p_base text, p_suffix text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN pg_catalog.octet_length(p_base) OPERATOR(pg_catalog.+) pg_catalog.octet_length(p_suffix) OPERATOR(pg_catalog.<) 63
              THEN p_base OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) p_suffix
              ELSE parting._long_name(p_base, p_suffix) END
$$;
