-- The partitions a range family should have, for parting._due, as (value, suffix, pass, n): pass
-- 0, the current one and premake ahead, oldest first; pass 2, the ones missed while
-- maintenance was down (from the newest partition before the current one, as it was when
-- a run found it missing), oldest first, never older than the retention cutoff (p_cutoff),
-- at most catch_up of them a run.
-- The present comes first so a model far behind is never left without today's partition
-- (rows of the missed range go to the default partition, if any, until theirs is made), and
-- a backlog of any size costs a run no more than catch_up steps. Gaps older than that are
-- not filled: a partition removed there by hand stays removed. Whether each is missing is
-- parting._due's question.
CREATE OR REPLACE FUNCTION parting._due_create(p_root parting.config, p_current text, p_cutoff text)
RETURNS TABLE (value text, suffix text, pass integer, n integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_lower text;
  v_v text;
  v_floor text;
  v_keep text;
  v_until text;
  v_b record;
BEGIN
  IF p_root.strategy <> 'range' THEN
    RETURN;
  END IF;
  v_lower := (parting._bound(p_root, p_current)).lower;
  v_v := v_lower;
  FOR i IN 0 .. p_root.premake LOOP
    v_b := parting._bound(p_root, v_v);
    value := v_v; suffix := v_b.suffix; pass := 0; n := i;
    RETURN NEXT;
    v_v := v_b.upper;
    EXIT WHEN v_v = 'MAXVALUE';
  END LOOP;

  -- Missed partitions lie below parting._catch_up_until, if anywhere.
  v_until := parting._catch_up_until(p_root, v_lower);
  IF v_until IS NULL THEN
    RETURN;
  END IF;
  SELECT a.lower INTO v_floor FROM parting._attached_between(p_root, NULL, v_until, true, 1) a;
  IF v_floor IS NULL THEN
    RETURN;
  END IF;
  -- From just above the newest partition below it (or the retention edge, whichever is
  -- newer) upwards: a run cut short, or stopped at catch_up, leaves the made ones
  -- contiguous with the old, so the next run's floor is where it stopped.
  v_v := (parting._bound(p_root, v_floor)).upper;
  IF p_cutoff IS NOT NULL THEN
    v_keep := (parting._bound(p_root, p_cutoff)).lower;
    IF parting._ord(p_root, v_keep) > parting._ord(p_root, v_v) THEN
      v_v := v_keep;
    END IF;
  END IF;
  n := 0;
  WHILE n < (parting._settings()).catch_up AND v_v <> 'MAXVALUE' AND parting._ord(p_root, v_v) < parting._ord(p_root, v_until) LOOP
    v_b := parting._bound(p_root, v_v);
    value := v_v; suffix := v_b.suffix; pass := 2;
    RETURN NEXT;
    n := n + 1;
    v_v := v_b.upper;
  END LOOP;
END;
$$;
