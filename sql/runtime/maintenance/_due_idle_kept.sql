-- For parting._due_idle: whether a range model with retention has no attached partition
-- past its retention cutoff (_due_retire's question, asked the same way). A routine of its
-- own, with a SET clause so that it is never inlined: a new connection looks up and plans
-- the routines it calls (_attached_between, _bound, _cutoff, _current and their types) only
-- when some family has retention, and the query over the other families never carries them.
-- TimeZone and DateStyle pinned as in parting._due_idle.
CREATE OR REPLACE FUNCTION parting._due_idle_kept(p_cfg parting.config)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
  SELECT NOT EXISTS (SELECT FROM parting._attached_between(
                       p_cfg, NULL, (parting._bound(p_cfg, parting._cutoff(p_cfg, parting._current(p_cfg), p_cfg.retention_keep))).lower))
$$;
