-- Every model's fingerprint (parting._fingerprint) as the catalog is now, {model: value}:
-- what parting._install records once it has made the database match the config.
CREATE OR REPLACE FUNCTION parting._fingerprints(p_desired jsonb, p_search_path text)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(jsonb_object_agg(x.model, x.fp), '{}')
    FROM (SELECT c.model, parting._fingerprint(p_desired, m, c, p_search_path, r.runtime) AS fp
            FROM (SELECT parting._runtime_hash() AS runtime) r,
                 jsonb_array_elements(p_desired -> 'models') AS m
            JOIN parting.config c ON c.model = m #>> '{config,model}') x
   WHERE x.fp IS NOT NULL
$$;
