-- Where each table of one family (the partition holding p_value of every model of the
-- family, parents first) is and where the config puts it: its state (attached, detached,
-- archived, filling, detaching; NULL when the table is gone or is not pgpart's), its
-- tablespace, and its target: the tablespace of the oldest tier whose moveAfter an
-- attached partition has passed, archiveTablespace for an archived one, detachTablespace
-- for a detached one; NULL where the config has no say. p_current is the model's current
-- value (integer ranges count tiers back from it).
CREATE OR REPLACE FUNCTION parting._placement(p_root parting.config, p_value text, p_current text)
RETURNS TABLE (n integer, cfg parting.config, rel regclass, state text, tablespace name, target text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_b record := parting._bound(p_root, p_value);
  v_c parting.config;
  v_o parting.offline;
BEGIN
  n := 0;
  FOR v_c IN SELECT * FROM parting.config c WHERE c.root_model = p_root.root_model ORDER BY c.family_order, c.model LOOP
    n := n + 1;
    cfg := v_c;
    state := NULL;
    target := NULL;
    SELECT * INTO v_o FROM parting.offline o WHERE o.model = v_c.model AND o.suffix = v_b.suffix;
    IF FOUND THEN
      rel := to_regclass(format('%I.%I', v_o.schema_name, v_o.table_name));
      state := CASE WHEN rel IS NOT NULL THEN v_o.state END;
    ELSE
      rel := to_regclass(format('%I.%I', v_c.schema_name, parting._name(v_c.table_name, v_b.suffix)));
      IF EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = rel
                    AND i.inhparent = to_regclass(format('%I.%I', v_c.schema_name, v_c.table_name))) THEN
        state := 'attached';
      END IF;
    END IF;
    IF state IS NULL THEN
      rel := NULL;
      tablespace := NULL;
    ELSE
      tablespace := parting._tablespace_of(rel);
    END IF;
    target := CASE state
                WHEN 'archived' THEN v_c.archive_tablespace
                WHEN 'detached' THEN v_c.detach_tablespace
                WHEN 'attached' THEN
                  (SELECT t.tier ->> 'tablespace'
                     FROM jsonb_array_elements(v_c.tiers) WITH ORDINALITY AS t(tier, i)
                    WHERE v_b.upper <> 'MAXVALUE'
                      AND parting._ord(v_c, v_b.upper) <= parting._ord(v_c, parting._cutoff(v_c, p_current, t.tier ->> 'move_after'))
                    ORDER BY t.i DESC
                    LIMIT 1)
              END;
    RETURN NEXT;
  END LOOP;
END;
$$;
