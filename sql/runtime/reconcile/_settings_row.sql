-- The parting.settings row from its jsonb form (install.sql's desired document, its
-- `settings`), refusing keys the table has no column for and columns the object leaves out
-- (but singleton), which jsonb_populate_record would drop or fill with NULL without a word.
CREATE OR REPLACE FUNCTION parting._settings_row(p_row jsonb)
RETURNS parting.settings
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_columns text[] := ARRAY(SELECT a.attname::text FROM pg_attribute a
                             WHERE a.attrelid = 'parting.settings'::regclass AND a.attnum > 0 AND NOT a.attisdropped
                               AND a.attname <> 'singleton'
                             ORDER BY a.attnum);
  v_unknown text[];
  v_missing text[];
BEGIN
  v_unknown := ARRAY(SELECT k FROM jsonb_object_keys(p_row) AS k WHERE k <> ALL (v_columns) ORDER BY k);
  v_missing := ARRAY(SELECT c FROM unnest(v_columns) AS c WHERE NOT p_row ? c);
  IF cardinality(v_unknown) > 0 OR cardinality(v_missing) > 0 THEN
    RAISE EXCEPTION 'the settings do not fit parting.settings'
      USING ERRCODE = 'datatype_mismatch',
            DETAIL = format('keys the table lacks: %s; columns the settings leave out: %s',
                            coalesce(nullif(array_to_string(v_unknown, ', '), ''), 'none'),
                            coalesce(nullif(array_to_string(v_missing, ', '), ''), 'none')),
            HINT = 'install.sql and the parting schema come from different pgpart builds: install a script built by one pgpart';
  END IF;
  RETURN jsonb_populate_record(NULL::parting.settings, p_row || '{"singleton": true}');
END;
$$;
