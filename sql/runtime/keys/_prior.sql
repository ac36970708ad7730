-- The lower bound of the range partition just before the one starting at p_lower: the
-- partition holding the last value below it. NULL below the smallest value the key takes.
CREATE OR REPLACE FUNCTION parting._prior(p_cfg parting.config, p_lower text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
  v_value text;
BEGIN
  v_value := CASE p_cfg.key_type
               WHEN 'integer' THEN (p_lower::numeric - 1)::text
               WHEN 'timestamptz' THEN
                 CASE WHEN p_lower::timestamptz > timestamptz '0001-01-01 00:00:00+00'
                      THEN parting._canonical_abs(p_cfg, p_lower::timestamptz - interval '1 microsecond') END
               WHEN 'date' THEN
                 CASE WHEN p_lower::date > date '0001-01-01' THEN to_char(p_lower::date - 1, 'YYYY-MM-DD') END
               ELSE
                 CASE WHEN p_lower::timestamp > timestamp '0001-01-01 00:00:00'
                      THEN to_char(p_lower::timestamp - interval '1 microsecond', 'YYYY-MM-DD HH24:MI:SS.US') END
             END;
  IF v_value IS NULL OR (p_cfg.key_type = 'integer' AND parting._bound(p_cfg, p_lower) = parting._bound(p_cfg, v_value)) THEN
    RETURN NULL;
  END IF;
  RETURN (parting._bound(p_cfg, v_value)).lower;
END;
$$;
