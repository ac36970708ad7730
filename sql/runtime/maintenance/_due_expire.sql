-- Detached and archived families past retention dropAfter, for parting._due, as
-- (suffix, n), oldest first, at most catch_up a run: those whose upper bound is at or below
-- the dropAfter cutoff. Read from the oldest up to the first one not yet due, so a run
-- reads only the families it drops.
CREATE OR REPLACE FUNCTION parting._due_expire(p_root parting.config, p_current text)
RETURNS TABLE (suffix text, n integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_edge text;
  v_cur refcursor;
  v_o record;
BEGIN
  IF p_root.strategy <> 'range' OR p_root.retention_drop_after IS NULL OR p_root.retention_action NOT IN ('detach', 'archive') THEN
    RETURN;
  END IF;
  v_edge := (parting._bound(p_root, parting._cutoff(p_root, p_current, p_root.retention_drop_after))).lower;
  IF parting._sorted_names(p_root) THEN
    OPEN v_cur FOR SELECT o.suffix, o.lower FROM parting.offline o
                    WHERE o.model = p_root.model AND o.state IN ('detached', 'archived')
                    ORDER BY o.suffix;
  ELSE
    OPEN v_cur FOR SELECT o.suffix, o.lower FROM parting.offline o
                    WHERE o.model = p_root.model AND o.state IN ('detached', 'archived')
                    ORDER BY parting._ord(p_root, o.lower);
  END IF;
  n := 0;
  LOOP
    FETCH v_cur INTO v_o;
    EXIT WHEN NOT FOUND OR n >= (parting._settings()).catch_up
           OR parting._ord(p_root, v_o.lower) >= parting._ord(p_root, v_edge);
    suffix := v_o.suffix;
    n := n + 1;
    RETURN NEXT;
  END LOOP;
  CLOSE v_cur;
END;
$$;
