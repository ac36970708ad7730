-- The owner of a schema pgpart would put tables in (the models' schema, the archive schema)
-- when that owner is a role the install must not trust, else NULL (the schema is missing,
-- and the install makes it, or its owner is trusted). A schema's owner can drop every table
-- in it, so only these are trusted: the installing role itself; the owner of schema parting
-- (pgpart's owner, whose tables maintenance makes there, run by a superuser from pg_cron or
-- by a member); a superuser (trusted anyway); the database's owner (pg_database_owner, which
-- owns `public` from PostgreSQL 15 on); and, for a caller that is not a superuser, a role it
-- is a member of (a superuser is a member of every role, which says nothing about whether it
-- chose to trust it).
CREATE OR REPLACE FUNCTION parting._foreign_owner(p_schema text)
RETURNS regrole
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT n.nspowner::regrole
    FROM pg_namespace n
    JOIN pg_roles o ON o.oid = n.nspowner
   WHERE n.nspname = p_schema
     AND o.rolname <> current_user
     AND n.nspowner IS DISTINCT FROM (SELECT p.nspowner FROM pg_namespace p WHERE p.nspname = 'parting')
     AND NOT o.rolsuper
     AND o.rolname <> 'pg_database_owner'
     AND o.oid <> (SELECT d.datdba FROM pg_database d WHERE d.datname = current_database())
     AND NOT ((SELECT NOT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user)
              AND pg_has_role(current_user, n.nspowner, 'MEMBER'))
$$;
