-- The attached partitions of one model, read from the catalog: each with its key (the name
-- suffix for a range, the key itself for a list), bounds as canonical text and whether it
-- is the default partition. TimeZone and DateStyle are pinned so bounds print canonically.
-- An integer range's top partition has upper 'MAXVALUE' (pg_get_expr prints it bare).
-- The suffix is computed in SQL from the lower bound (parting._bound's rule) rather than by
-- calling parting._bound per partition, which costs milliseconds at thousands of
-- partitions; hourly timestamptz partitions, whose suffix depends on DST, still ask it.
CREATE OR REPLACE FUNCTION parting._attached(p_model text)
RETURNS TABLE (partition regclass, key text, lower text, upper text, is_default boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
AS $$
DECLARE
  v_cfg parting.config := parting._model(p_model);
  v_format text := parting._suffix_format(v_cfg);
BEGIN
  RETURN QUERY
  SELECT x.relid::regclass,
         CASE WHEN x.bound = 'DEFAULT' THEN 'default'
              WHEN v_cfg.strategy = 'list' THEN parting._unquote(l[1])
              WHEN v_cfg.key_type = 'integer' THEN
                CASE WHEN parting._unquote(m[1]) LIKE '-%' THEN 'm' || substr(parting._unquote(m[1]), 2) ELSE parting._unquote(m[1]) END
              WHEN v_format IS NULL THEN (parting._bound(v_cfg, parting._unquote(m[1]))).suffix
              WHEN v_cfg.key_type = 'timestamptz' THEN to_char(parting._unquote(m[1])::timestamptz AT TIME ZONE v_cfg.timezone, v_format)
              ELSE to_char(parting._unquote(m[1])::timestamp, v_format) END,
         parting._unquote(coalesce(m[1], l[1])),
         parting._unquote(m[2]),
         x.bound = 'DEFAULT'
    FROM (SELECT r.oid AS relid, pg_get_expr(r.relpartbound, r.oid) AS bound
            FROM pg_inherits i JOIN pg_class r ON r.oid = i.inhrelid
           WHERE i.inhparent = to_regclass(format('%I.%I', v_cfg.schema_name, v_cfg.table_name))) x
    LEFT JOIN LATERAL regexp_match(x.bound, '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') AS m ON true
    LEFT JOIN LATERAL regexp_match(x.bound, '^FOR VALUES IN \((.*)\)$') AS l ON true;
END;
$$;
