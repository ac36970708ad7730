-- A hash of every parting.config row and of parting.settings, as parting.meta records it
-- after an install: a later difference is a row changed by hand (parting.check says so).
-- A family being adopted is left out until its swap (its rows are the adoption's until then).
CREATE OR REPLACE FUNCTION parting._config_rows_hash()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT md5(coalesce(string_agg(to_jsonb(c)::text, E'\n' ORDER BY c.model), '')
             || coalesce((SELECT E'\n' || to_jsonb(s)::text FROM parting.settings s), ''))
    FROM parting.config c
   -- Rows an adoption wrote for its shadow family, before its swap, are the adoption's, not
   -- the install's (the install after the swap records them).
   WHERE NOT EXISTS (SELECT FROM parting.adoption a WHERE a.model = c.root_model AND a.phase <> 'swapped')
$$;
