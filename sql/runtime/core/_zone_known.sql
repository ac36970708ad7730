-- Whether this server knows a time zone name (its own zone data, which may differ from the
-- compiler's: a zone Node accepts can be gone from the server's tzdata).
CREATE OR REPLACE FUNCTION parting._zone_known(p_zone text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM now() AT TIME ZONE p_zone;
  RETURN true;
EXCEPTION WHEN invalid_parameter_value THEN
  RETURN false;
END;
$$;
