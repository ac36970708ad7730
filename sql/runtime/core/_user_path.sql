-- The search_path the user's own SQL (column definitions, defaults) is read with: the
-- install session's, behind pg_catalog, so `now()` is always PostgreSQL's, and with
-- pg_temp last, so no temporary object shadows anything.
CREATE OR REPLACE FUNCTION parting._user_path(p_search_path text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT 'pg_catalog, ' || coalesce(nullif(btrim(p_search_path), ''), '"$user", public') || ', pg_temp'
$$;
