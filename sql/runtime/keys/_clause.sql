-- The partition bound clause of ALTER TABLE ... ATTACH PARTITION. An integer range's top
-- partition ends at MAXVALUE (a keyword, not a value: unquoted).
-- PL/pgSQL: a SQL function with a SET clause is never inlined and is planned at every call,
-- which cost each new partition more than the expression itself.
CREATE OR REPLACE FUNCTION parting._clause(p_cfg parting.config, p_lower text, p_upper text, p_default boolean)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN CASE WHEN p_default THEN 'DEFAULT'
              WHEN p_cfg.strategy = 'list' THEN format('FOR VALUES IN (%L)', p_lower)
              ELSE format('FOR VALUES FROM (%L) TO (%s)', p_lower,
                          CASE WHEN p_upper = 'MAXVALUE' THEN 'MAXVALUE' ELSE quote_literal(p_upper) END) END;
END;
$$;
