-- 'update settings': the project-wide settings (parting.settings) made to match the
-- config's, shown as the values that change (lock_timeout: 300ms → 2s). Written before the
-- install makes partitions, whose steps read them (parting._settings()).
CREATE OR REPLACE FUNCTION parting._change_settings(p_desired jsonb)
RETURNS SETOF parting.change
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_new parting.settings := parting._settings_row(p_desired -> 'settings');
  v_old parting.settings;
  v_fields text;
BEGIN
  SELECT * INTO v_old FROM parting.settings;
  IF FOUND AND v_old IS NOT DISTINCT FROM v_new THEN
    RETURN;
  END IF;
  SELECT string_agg(format('%s: %s → %s', n.key, coalesce(o.value::text, 'null'), n.value::text), ', ' ORDER BY n.key)
    INTO v_fields
    FROM jsonb_each(to_jsonb(v_new)) n LEFT JOIN jsonb_each(to_jsonb(v_old)) o ON o.key = n.key
   WHERE o.value IS DISTINCT FROM n.value;
  RETURN NEXT parting._change(NULL, 'update settings', 'parting.settings', v_fields, NULL, 'none',
                              ARRAY[format('CALL parting._put_settings(%L)', p_desired -> 'settings')]);
END;
$$;
