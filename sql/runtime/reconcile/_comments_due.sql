-- The COMMENT ON statements that bring a model's comments (parting._comments) into its
-- parent table p_parent (NULL: a table this install makes, which has none yet), and
-- remove the pgpart comments of columns that no longer get one. A comment a user wrote
-- (one that does not start with 'pgpart:') is never replaced or removed.
CREATE OR REPLACE FUNCTION parting._comments_due(p_desired jsonb, p_cfg parting.config, p_parent regclass)
RETURNS TABLE (object text, statement text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  WITH want AS (SELECT d.col, d.comment FROM parting._comments(p_desired, p_cfg) d),
  have AS (
    SELECT w.col, w.comment AS want,
           CASE WHEN p_parent IS NULL THEN NULL
                WHEN w.col IS NULL THEN obj_description(p_parent, 'pg_class')
                ELSE (SELECT col_description(p_parent, a.attnum) FROM pg_attribute a
                       WHERE a.attrelid = p_parent AND a.attname = w.col AND NOT a.attisdropped) END AS have
      FROM want w
    UNION ALL
    SELECT a.attname::text, NULL, col_description(p_parent, a.attnum)
      FROM pg_attribute a
     WHERE a.attrelid = p_parent AND a.attnum > 0 AND NOT a.attisdropped
       AND left(col_description(p_parent, a.attnum), 7) = 'pgpart:'
       AND NOT EXISTS (SELECT FROM want w WHERE w.col = a.attname::text)
  )
  SELECT CASE WHEN h.col IS NULL THEN p_cfg.table_name ELSE format('%s.%s', p_cfg.table_name, h.col) END,
         CASE WHEN h.col IS NULL THEN format('COMMENT ON TABLE %I.%I IS %s', p_cfg.schema_name, p_cfg.table_name, coalesce(quote_literal(h.want), 'NULL'))
              ELSE format('COMMENT ON COLUMN %I.%I.%I IS %s', p_cfg.schema_name, p_cfg.table_name, h.col, coalesce(quote_literal(h.want), 'NULL')) END
    FROM have h
   WHERE h.have IS DISTINCT FROM h.want AND (h.have IS NULL OR left(h.have, 7) = 'pgpart:')
   ORDER BY h.col NULLS FIRST
$$;
