-- The attached partitions of one model, read from the catalog: each with its key (the name
-- suffix for a range, the key itself for a list), bounds as canonical text and whether it
-- is the default partition. TimeZone and DateStyle are pinned so bounds print canonically.
-- An integer range's top partition has upper 'MAXVALUE' (pg_get_expr prints it bare).
--
-- One query with no pgpart function called per partition (each call of a function with a
-- SET clause costs tens of microseconds, which thousands of partitions turn into the bulk
-- of the time): the bound's quotes are taken off where they are (time and integer bounds
-- hold none inside; a text list key's doubled quotes are undone), and a time range's suffix
-- is the lower bound in the unit's format (parting._bound's rule). Hourly timestamptz
-- partitions, whose suffix depends on DST, and list keys, whose suffix is a hex of the
-- key, still ask parting._bound.
CREATE OR REPLACE FUNCTION parting._attached(p_model text)
RETURNS TABLE (partition regclass, key text, lower text, upper text, is_default boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
SET jit = off
AS $$
DECLARE
  v_cfg parting.config := parting._model(p_model);
  v_format text := parting._suffix_format(v_cfg);
BEGIN
  RETURN QUERY
  SELECT x.relid::regclass,
         CASE WHEN x.bound = 'DEFAULT' THEN 'default'
              WHEN v_cfg.strategy = 'list' THEN x.low
              WHEN v_cfg.key_type = 'integer' THEN CASE WHEN x.low LIKE '-%' THEN 'm' || substr(x.low, 2) ELSE x.low END
              WHEN v_format IS NULL THEN (parting._bound(v_cfg, x.low)).suffix
              WHEN v_cfg.key_type = 'timestamptz' THEN to_char(x.low::timestamptz AT TIME ZONE v_cfg.timezone, v_format)
              ELSE to_char(x.low::timestamp, v_format) END,
         x.low, x.high, x.bound = 'DEFAULT'
    FROM (SELECT y.relid, y.bound,
                 -- FOR VALUES FROM ('<low>') TO ('<high>') | FOR VALUES IN ('<key>') | DEFAULT
                 CASE WHEN y.bound LIKE 'FOR VALUES FROM (%' THEN btrim(substr(y.bound, 18, position(') TO (' IN y.bound) - 18), '''')
                      WHEN y.bound LIKE 'FOR VALUES IN (''%' THEN replace(substr(y.bound, 17, length(y.bound) - 18), '''''', '''')
                      WHEN y.bound LIKE 'FOR VALUES IN (%' THEN substr(y.bound, 16, length(y.bound) - 16) END AS low,
                 CASE WHEN y.bound LIKE 'FOR VALUES FROM (%'
                      THEN btrim(substr(y.bound, position(') TO (' IN y.bound) + 6,
                                        length(y.bound) - position(') TO (' IN y.bound) - 6), '''') END AS high
            FROM (SELECT r.oid AS relid, pg_get_expr(r.relpartbound, r.oid) AS bound
                    FROM pg_inherits i JOIN pg_class r ON r.oid = i.inhrelid
                   WHERE i.inhparent = to_regclass(format('%I.%I', v_cfg.schema_name, v_cfg.table_name))
                  OFFSET 0) y) x;  -- OFFSET 0: pg_get_expr once per partition, not once per use
END;
$$;
