-- Whether a range model's partition names sort as their keys do (see
-- parting._attached_between): time keys, named without a hash (the table name and the
-- longest suffix of its unit fit in 63 bytes).
CREATE OR REPLACE FUNCTION parting._sorted_names(p_cfg parting.config)
RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.strategy = 'range' AND p_cfg.key_type <> 'integer'
     AND octet_length(p_cfg.table_name) + 1
         + CASE p_cfg.unit WHEN 'year' THEN 4 WHEN 'month' THEN 7 WHEN 'quarter' THEN 7 WHEN 'hour' THEN 17 ELSE 10 END <= 63
$$;
