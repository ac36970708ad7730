-- The predicate that holds for exactly the rows of one partition (lower/upper as canonical
-- texts; a list partition's key is lower). It is each partition's CHECK constraint, which
-- lets ATTACH skip scanning the table, and the filter that picks a partition's rows out
-- of the default partition. An upper bound of MAXVALUE (an integer range's top partition)
-- has no test.
-- PL/pgSQL: a SQL function with a SET clause is never inlined and is planned at every call,
-- which cost each new partition more than the expression itself.
CREATE OR REPLACE FUNCTION parting._bound_check(p_cfg parting.config, p_lower text, p_upper text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN CASE WHEN p_cfg.strategy = 'list'
              THEN format('%I IS NOT NULL AND %I = %L', p_cfg.key_column, p_cfg.key_column, p_lower)
              WHEN p_upper = 'MAXVALUE'
              THEN format('%I IS NOT NULL AND %I >= %L', p_cfg.key_column, p_cfg.key_column, p_lower)
              ELSE format('%I IS NOT NULL AND %I >= %L AND %I < %L',
                          p_cfg.key_column, p_cfg.key_column, p_lower, p_cfg.key_column, p_upper) END;
END;
$$;
