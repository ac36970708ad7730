-- Whether an adoption's copy has begun on a member (a batch of it copied, or it is done):
-- before that, the shadow holds none of its rows, and the copy will read each one as it is
-- when it gets there.
CREATE OR REPLACE FUNCTION parting._adopt_begun(p_a parting.adoption, p_model text)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT (p_a.progress -> p_model ->> 'copied')::bigint > 0 OR p_a.progress -> p_model ->> 'last' IS NOT NULL
         OR (p_a.progress -> p_model ->> 'done')::boolean;
$$;
