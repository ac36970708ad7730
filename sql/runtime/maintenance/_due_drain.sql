-- Partitions to make for rows waiting in a range family's default partition, for
-- parting._due, as (value, suffix, n): one index probe per partition they fall in, from the
-- partition holding the retention cutoff (older rows stay: retention would retire their
-- partition at once) up to the last premade partition (rows further ahead wait until their
-- partition comes within premake), at most 1000 a run; then partitions a batched drain cut
-- short left filling (of any strategy).
CREATE OR REPLACE FUNCTION parting._due_drain(p_root parting.config, p_current text, p_cutoff text)
RETURNS TABLE (value text, suffix text, n integer)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_default regclass := to_regclass(format('%I.%I', p_root.schema_name, parting._name(p_root.table_name, 'default')));
  v_last text;
  v_v text;
  v_b record;
BEGIN
  n := 0;
  IF p_root.strategy = 'range' AND v_default IS NOT NULL THEN
    v_last := (parting._bound(p_root, p_current)).lower;
    FOR i IN 1 .. p_root.premake + 1 LOOP
      v_last := (parting._bound(p_root, v_last)).upper;
      EXIT WHEN v_last = 'MAXVALUE';
    END LOOP;
    v_v := CASE WHEN p_cutoff IS NOT NULL THEN (parting._bound(p_root, p_cutoff)).lower END;
    WHILE n < 1000 LOOP
      -- An integer range's top partition ends at MAXVALUE: no upper test, and nothing above it.
      EXECUTE format('SELECT min(%I)::text FROM %s WHERE %s', p_root.key_column, v_default,
                     concat_ws(' AND ',
                               CASE WHEN v_last <> 'MAXVALUE' THEN format('%I < %L', p_root.key_column, v_last) END,
                               CASE WHEN v_v IS NOT NULL THEN format('%I >= %L', p_root.key_column, v_v) END, 'true'))
         INTO v_v;
      EXIT WHEN v_v IS NULL;
      v_b := parting._bound(p_root, v_v);
      value := v_b.lower;
      suffix := v_b.suffix;
      RETURN NEXT;
      n := n + 1;
      v_v := v_b.upper;
      EXIT WHEN v_v = 'MAXVALUE';
    END LOOP;
  END IF;
  FOR value, suffix IN SELECT o.lower, o.suffix FROM parting.offline o WHERE o.model = p_root.model AND o.state = 'filling' ORDER BY o.suffix LOOP
    RETURN NEXT;
    n := n + 1;
  END LOOP;
END;
$$;
