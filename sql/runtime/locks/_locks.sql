-- [[relation, mode], ...] for parting.change.locks: one mode on each relation, in order.
CREATE OR REPLACE FUNCTION parting._locks(p_rels regclass[], p_mode text)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_array(r::text, p_mode) ORDER BY n), '[]')
    FROM unnest(p_rels) WITH ORDINALITY AS u(r, n)
$$;
