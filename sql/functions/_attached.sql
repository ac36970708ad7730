-- The attached partitions of one model, read from the catalog: each with its key (the name
-- suffix for a range, the key itself for a list), bounds as canonical text and whether it
-- is the default partition. TimeZone and DateStyle are pinned so bounds print canonically.
-- An integer range's top partition has upper 'MAXVALUE' (pg_get_expr prints it bare).
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
BEGIN
  RETURN QUERY
  SELECT x.relid::regclass,
         CASE WHEN x.bound = 'DEFAULT' THEN 'default'
              WHEN v_cfg.strategy = 'list' THEN parting._unquote(l[1])
              ELSE (parting._bound(v_cfg, parting._unquote(m[1]))).suffix END,
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
