-- Gives a table pgpart made the owner and the grants of the table it belongs to (a
-- partition its parent's, an archive table its model's): whoever ran maintenance (pg_cron's
-- superuser, a member of the owner role, the owner), the partition then is the owner's, so
-- the owner's later detach, archive or drop of it never meets "permission denied", and a
-- role granted on the parent reads and writes the partition directly too. Grants the
-- partition already has are left as they are.
CREATE OR REPLACE FUNCTION parting._own_like(p_rel regclass, p_like regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_owner regrole := (SELECT c.relowner::regrole FROM pg_class c WHERE c.oid = p_like);
  v_grant record;
BEGIN
  IF (SELECT c.relowner FROM pg_class c WHERE c.oid = p_rel) <> v_owner THEN
    EXECUTE format('ALTER TABLE %s OWNER TO %s', p_rel, v_owner);
  END IF;
  FOR v_grant IN
    SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END AS grantee, a.is_grantable
      FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
     WHERE c.oid = p_like AND a.grantee <> c.relowner
  LOOP
    EXECUTE format('GRANT %s ON %s TO %s%s', v_grant.privilege_type, p_rel, v_grant.grantee,
                   CASE WHEN v_grant.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
END;
$$;
