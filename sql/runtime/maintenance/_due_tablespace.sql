-- Families to move between tablespaces, for parting._due, as (value, n), oldest first:
-- detached and archived families not in detachTablespace or archiveTablespace, attached
-- partitions past a tier's moveAfter not in its tablespace (at most catch_up of these two
-- a run, the oldest first), then the families this run's retire steps (p_retire_values, a
-- value in each) are about
-- to detach or archive.
--
-- Families age into each place newest last, and the oldest are moved first (a failed move
-- holds the later ones: run_maintenance), so everything older than the newest family in
-- its place is in place too: each walk goes from the newest down and stops at the first
-- family in place, reading only the families that must move (and once, when a tier or
-- tablespace is first configured, every family it now covers). A family moved elsewhere by
-- hand is not looked for: parting.check() reports it.
CREATE OR REPLACE FUNCTION parting._due_tablespace(p_root parting.config, p_current text, p_cutoff text, p_retire_values text[])
RETURNS TABLE (value text, n integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_due text[] := ARRAY[]::text[];
  v_cur refcursor;
  v_p record;
  v_tier record;
  v_low text;
  v_high text;
  v_batch text[];
  v_v text;
  v_drop text;
  v_stop boolean;
  v_offline boolean;
  v_tiers jsonb;
BEGIN
  SELECT bool_or(c.archive_tablespace IS NOT NULL OR c.detach_tablespace IS NOT NULL), max(c.tiers::text)::jsonb
    INTO v_offline, v_tiers
    FROM parting.config c WHERE c.root_model = p_root.model;

  -- Detached and archived families, newest first, down to the first in place (those past
  -- dropAfter are about to be dropped: not worth moving).
  IF v_offline THEN
    v_drop := CASE WHEN p_root.retention_drop_after IS NOT NULL
                   THEN (parting._bound(p_root, parting._cutoff(p_root, p_current, p_root.retention_drop_after))).lower END;
    -- Newest first: by name where names sort by key (the primary key's order), else by key.
    IF parting._sorted_names(p_root) OR p_root.strategy = 'list' THEN
      OPEN v_cur FOR SELECT o.lower FROM parting.offline o
                      WHERE o.model = p_root.model AND o.state IN ('detached', 'archived')
                      ORDER BY o.suffix DESC;
    ELSE
      OPEN v_cur FOR SELECT o.lower FROM parting.offline o
                      WHERE o.model = p_root.model AND o.state IN ('detached', 'archived')
                      ORDER BY parting._ord(p_root, o.lower) DESC;
    END IF;
    LOOP
      FETCH v_cur INTO v_v;
      EXIT WHEN NOT FOUND;
      EXIT WHEN v_drop IS NOT NULL AND parting._ord(p_root, v_v) < parting._ord(p_root, v_drop);
      SELECT bool_or(p.target IS NOT NULL) AS has, bool_and(p.target IS NULL OR p.target = p.tablespace) AS ok INTO v_p
        FROM parting._placement(p_root, v_v, p_current) p;
      EXIT WHEN v_p.has AND v_p.ok;
      IF v_p.has THEN
        v_due := v_due || v_v;
      END IF;
    END LOOP;
    CLOSE v_cur;
  END IF;

  -- Attached partitions, tier by tier from the coldest: a tier's partitions lie between its
  -- moveAfter cutoff and the next tier's (or retention's: older ones are retired instead).
  IF p_root.strategy = 'range' AND jsonb_array_length(coalesce(v_tiers, '[]')) > 0 THEN
    v_low := CASE WHEN p_cutoff IS NOT NULL THEN parting._prior(p_root, (parting._bound(p_root, p_cutoff)).lower) END;
    FOR v_tier IN
      SELECT t.tier ->> 'move_after' AS after, t.i FROM jsonb_array_elements(v_tiers) WITH ORDINALITY AS t(tier, i) ORDER BY t.i DESC
    LOOP
      v_high := (parting._bound(p_root, parting._cutoff(p_root, p_current, v_tier.after))).lower;
      v_stop := false;
      WHILE NOT v_stop LOOP
        v_batch := ARRAY(SELECT a.lower FROM parting._attached_between(p_root, v_low, v_high, true, 32) a);
        EXIT WHEN cardinality(v_batch) = 0;
        FOREACH v_v IN ARRAY v_batch LOOP
          SELECT bool_or(p.target IS NOT NULL) AS has, bool_and(p.target IS NULL OR p.target = p.tablespace) AS ok INTO v_p
            FROM parting._placement(p_root, v_v, p_current) p WHERE p.state = 'attached';
          IF v_p.has AND v_p.ok THEN
            v_stop := true;
            EXIT;
          END IF;
          IF v_p.has THEN
            v_due := v_due || v_v;
          END IF;
        END LOOP;
        v_high := v_batch[cardinality(v_batch)];
      END LOOP;
      -- The next (younger) tier starts where this one ends.
      v_low := parting._prior(p_root, (parting._bound(p_root, parting._cutoff(p_root, p_current, v_tier.after))).lower);
    END LOOP;
  END IF;

  RETURN QUERY
  SELECT d.v, (row_number() OVER (ORDER BY d.ord))::integer
    FROM (SELECT u.v, CASE WHEN p_root.strategy = 'range' THEN parting._ord(p_root, u.v) END AS ord
            FROM unnest(v_due) AS u(v)
           ORDER BY 2 NULLS LAST
           LIMIT (parting._settings()).catch_up) d;

  -- This run's retirees, when their new state has a tablespace.
  IF v_offline AND cardinality(p_retire_values) > 0 THEN
    RETURN QUERY
    SELECT r.v, (1000000 + r.i)::integer
      FROM unnest(p_retire_values) WITH ORDINALITY AS r(v, i)
     WHERE EXISTS (SELECT FROM parting.config c WHERE c.root_model = p_root.model
                      AND CASE coalesce(p_root.retention_action, 'detach')
                            WHEN 'archive' THEN c.archive_tablespace IS NOT NULL
                            WHEN 'detach' THEN c.detach_tablespace IS NOT NULL
                            ELSE false END);
  END IF;
END;
$$;
