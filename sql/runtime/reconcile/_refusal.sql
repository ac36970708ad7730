-- A change the install refuses to make: the whole install stops, with p_message (which
-- names the model and the config field, what would be lost and what to do).
CREATE OR REPLACE FUNCTION parting._refusal(p_model text, p_change text, p_target text, p_message text)
RETURNS parting.change
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT ROW(0, p_model, p_change, p_target, NULL, '[]'::jsonb, 'none', '{}'::text[], '{}'::text[], '[]'::jsonb, '{}'::text[],
             p_message)::parting.change
$$;
