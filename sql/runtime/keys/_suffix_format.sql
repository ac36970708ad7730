-- The to_char format of a time range's partition suffix (parting._bound's rule), or NULL
-- where the suffix is not a plain format of the lower bound: integer and list keys, and
-- hourly timestamptz partitions (the hour that repeats when clocks go back is '_2').
CREATE OR REPLACE FUNCTION parting._suffix_format(p_cfg parting.config)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN p_cfg.strategy <> 'range' OR p_cfg.key_type = 'integer' THEN NULL
              WHEN p_cfg.unit = 'hour' AND p_cfg.key_type = 'timestamptz' THEN NULL
              WHEN p_cfg.unit = 'year' THEN 'YYYY'
              WHEN p_cfg.unit IN ('month', 'quarter') THEN 'YYYY_MM'
              WHEN p_cfg.unit = 'hour' THEN 'YYYY_MM_DD_HH24MI'
              ELSE 'YYYY_MM_DD' END
$$;
