-- parting._fk_clause cut where the referenced table goes: {before, after}, so that a query
-- over every partition of a dependent compares each foreign key's text with
-- before || <its referenced table> || after, a string concatenation per row instead of a
-- function call per row (parting._fk_matches' comparison, set-based).
CREATE OR REPLACE FUNCTION parting._fk_affix(p_cfg parting.config)
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT string_to_array(parting._fk_clause(p_cfg, E'\x01'), E'\x01')
$$;
