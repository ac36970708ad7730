-- The key value an age counts back to from the current one: for time keys now() less the
-- age (an interval) on the model's wall clock, for integer keys the current key less the
-- age (a number of partitions) times the width. A partition whose upper bound is at or
-- below it holds only rows older than the age: what retention keep, dropAfter and the
-- tiers' moveAfter compare with.
CREATE OR REPLACE FUNCTION parting._cutoff(p_cfg parting.config, p_current text, p_age text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF p_age IS NULL THEN
    RETURN NULL;
  END IF;
  IF p_cfg.key_type = 'integer' THEN
    RETURN (p_current::numeric - p_age::numeric * p_cfg.width)::text;
  END IF;
  RETURN parting._canonical_wall(p_cfg, (now() AT TIME ZONE p_cfg.timezone) - p_age::interval);
END;
$$;
