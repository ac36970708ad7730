-- The project-wide settings (parting.settings, one row): lock_timeout and lock_tries of
-- every lock request, archive_schema, drain_batch, catch_up, history_keep,
-- analyze_parents. Every routine reads them here, e.g. (parting._settings()).lock_timeout;
-- none is a column of parting.config, since the config has one of each for all models.
CREATE OR REPLACE FUNCTION parting._settings()
RETURNS parting.settings
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_s parting.settings;
BEGIN
  SELECT * INTO v_s FROM parting.settings;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'parting.settings has no row (deleted by hand?)'
      USING ERRCODE = 'no_data_found', HINT = 'run install.sql again: it writes the row from the config';
  END IF;
  RETURN v_s;
END;
$$;
