-- A refusal when a model new to this database finds its table already there, owned by a role
-- the installing role is not (a superuser's blanket membership does not count): another
-- role made it first, and pgpart does not take over a table it did not make (it could not
-- alter it anyway: "must be owner"). Nothing (no row) when the table is the installer's.
CREATE OR REPLACE FUNCTION parting._table_taken(p_cfg parting.config, p_parent regclass)
RETURNS SETOF parting.change
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT parting._refusal(p_cfg.model, 'create model', p_cfg.table_name,
           format('models.%s: table %s exists and is owned by role %s, not by %s: pgpart does not take over a table it did not make. '
                  'Have %s (or a superuser) drop or rename it, or give the model another table (models.%s.table)',
                  p_cfg.model, p_parent, r.relowner::regrole, current_user, r.relowner::regrole, p_cfg.model))
    FROM pg_class r
   WHERE r.oid = p_parent
     AND r.relowner <> (SELECT a.oid FROM pg_roles a WHERE a.rolname = current_user)
     AND NOT (pg_has_role(current_user, r.relowner, 'MEMBER')
              AND NOT (SELECT a.rolsuper FROM pg_roles a WHERE a.rolname = current_user))
$$;
