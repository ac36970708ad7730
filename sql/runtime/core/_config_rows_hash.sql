-- A hash of every parting.config row and of parting.settings, as parting.meta records it
-- after an install: a later difference is a row changed by hand (parting.check says so).
CREATE OR REPLACE FUNCTION parting._config_rows_hash()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT md5(coalesce(string_agg(to_jsonb(c)::text, E'\n' ORDER BY c.model), '')
             || coalesce((SELECT E'\n' || to_jsonb(s)::text FROM parting.settings s), ''))
    FROM parting.config c
$$;
