-- The value parting.meta.fingerprints records for a model once an install has made it match
-- the config, and that an install or `pgpart plan` compares with to skip comparing the
-- model's partitions one by one: the model's catalog fingerprint (parting._model_fingerprint)
-- with everything else that comparison depends on: the model as the config has it, the
-- columns drop.columns names for it, the project's settings, the search_path the column
-- definitions are read with, the server's version (foreign keys differ from 15 on) and the
-- runtime (parting._runtime_hash, given by the caller: computed once per install). NULL when
-- the model has no table.
CREATE OR REPLACE FUNCTION parting._fingerprint(p_desired jsonb, p_m jsonb, p_cfg parting.config, p_search_path text, p_runtime text)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN f.catalog IS NOT NULL
              THEN md5(concat_ws(E'\n', f.catalog, p_m::text, (p_desired -> 'drop' -> 'columns' -> p_cfg.model)::text,
                                 (p_desired -> 'settings')::text, p_search_path, current_setting('server_version_num'), p_runtime)) END
    FROM (SELECT parting._model_fingerprint(p_cfg) AS catalog OFFSET 0) f -- OFFSET 0: read once, not once per reference
$$;
