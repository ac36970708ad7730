-- A change the install refuses to make: the whole install stops, with p_message (which
-- names the model and the config field, what would be lost and what to do).
CREATE OR REPLACE FUNCTION parting._refusal(p_model text, p_change text, p_target text, p_message text)
RETURNS parting.change
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  -- Through parting._change, which knows the kinds; phase 0: refusals are listed first.
  SELECT ROW(0, c.model, c.change, c.target, NULL, '[]'::jsonb, 'none', '{}'::text[], '{}'::text[], '[]'::jsonb,
             '{}'::parting.statement[], p_message)::parting.change
    FROM parting._change(p_model, p_change, p_target) c
$$;
