-- 'owner' / 'grants': a table of the model (attached, detached or filling) with another
-- owner than its parent, or fewer grants.
CREATE OR REPLACE FUNCTION parting._check_ownership(p_cfg parting.config, p_tables jsonb, p_parent regclass)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.model, t.rel::text, t.suffix, CASE WHEN r.relowner <> p.relowner THEN 'owner' ELSE 'grants' END,
         CASE WHEN r.relowner <> p.relowner THEN format('owned by %s, its parent by %s', r.relowner::regrole, p.relowner::regrole)
              ELSE format('lacks its parent''s grants: %s', missing.list) END,
         'give it its parent''s owner and grants', true
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
    JOIN pg_class r ON r.oid = t.rel
    JOIN pg_class p ON p.oid = p_parent
   CROSS JOIN LATERAL (
     SELECT string_agg(format('%s to %s', a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END), ', ') AS list
       FROM aclexplode(p.relacl) a
      WHERE a.grantee <> p.relowner
        AND NOT EXISTS (SELECT FROM aclexplode(r.relacl) b WHERE b.grantee = a.grantee AND b.privilege_type = a.privilege_type)) missing
   WHERE t.state IN ('attached', 'detached', 'filling') AND (r.relowner <> p.relowner OR missing.list IS NOT NULL)
$$;
