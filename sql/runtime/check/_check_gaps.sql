-- 'gap': attached partitions of a range model that leave a range no partition, detached or
-- not, covers (its rows go to the default partition, or fail).
CREATE OR REPLACE FUNCTION parting._check_gaps(p_cfg parting.config, p_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH b AS (
    SELECT t.lower, t.upper,
           lead(t.lower) OVER (ORDER BY CASE WHEN p_cfg.key_type = 'integer' THEN t.lower::numeric END,
                                        CASE WHEN p_cfg.key_type = 'timestamptz' THEN t.lower::timestamptz END,
                                        CASE WHEN p_cfg.key_type IN ('timestamp', 'date') THEN t.lower::timestamp END) AS next_lower
      FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
     WHERE NOT t.is_default AND t.state <> 'filling')
  SELECT p_cfg.model, NULL, b.upper, 'gap',
         format('no partition holds [%s, %s): its rows go to the default partition, or fail', b.upper, b.next_lower),
         'none: make the partitions of the gap with parting.ensure_partition, if it is not on purpose', false
    FROM b WHERE b.next_lower IS NOT NULL AND b.upper IS DISTINCT FROM b.next_lower
$$;
