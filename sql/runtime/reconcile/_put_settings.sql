-- Writes the project-wide settings (parting.settings, one row) as install.sql carries them,
-- and leaves an identical row untouched, so re-running install.sql changes nothing.
CREATE OR REPLACE PROCEDURE parting._put_settings(p_settings jsonb)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_new parting.settings := parting._settings_row(p_settings);
  v_old parting.settings;
BEGIN
  SELECT * INTO v_old FROM parting.settings;
  IF FOUND AND v_old IS NOT DISTINCT FROM v_new THEN
    RETURN;
  END IF;
  DELETE FROM parting.settings;
  INSERT INTO parting.settings SELECT v_new.*;
END;
$$;
