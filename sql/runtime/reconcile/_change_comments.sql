-- 'comment': the comments pgpart writes on a model's parent table and key columns
-- (parting._comments) brought up to date, on an existing table: a model changed (ON
-- DELETE, a new dependent's key), or an install from before pgpart wrote them. COMMENT ON
-- takes SHARE UPDATE EXCLUSIVE on the table: writers go on. Comments a user wrote are left
-- alone (parting._comments_due). A table the install makes gets its comments with it.
CREATE OR REPLACE FUNCTION parting._change_comments(p_desired jsonb, p_cfg parting.config, p_parent regclass)
RETURNS SETOF parting.change
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_objects text[];
  v_sql text[];
BEGIN
  SELECT array_agg(d.object), array_agg(d.statement) INTO v_objects, v_sql FROM parting._comments_due(p_desired, p_cfg, p_parent) d;
  IF v_sql IS NULL THEN
    RETURN;
  END IF;
  RETURN NEXT parting._change(p_cfg.model, 'comment', p_cfg.table_name,
    format('pgpart''s comments on %s', array_to_string(v_objects, ', ')),
    parting._locks(ARRAY[p_parent], 'SHARE UPDATE EXCLUSIVE'), format('SHARE UPDATE EXCLUSIVE on %s (writers go on)', p_parent), v_sql);
END;
$$;
