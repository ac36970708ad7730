-- The partition bound clause of ALTER TABLE ... ATTACH PARTITION.
CREATE OR REPLACE FUNCTION parting._clause(p_cfg parting.config, p_lower text, p_upper text, p_default boolean)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE WHEN p_default THEN 'DEFAULT'
              WHEN p_cfg.strategy = 'list' THEN format('FOR VALUES IN (%L)', p_lower)
              ELSE format('FOR VALUES FROM (%L) TO (%L)', p_lower, p_upper) END
$$;
