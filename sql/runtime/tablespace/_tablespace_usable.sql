-- Refuses a tablespace that does not exist or that the current role may not create
-- tables in, naming the model and what to do, before any lock is taken; and any tablespace
-- for a model distributed on Citus, whose shards live on the workers, where the
-- coordinator's tablespaces are not.
CREATE OR REPLACE FUNCTION parting._tablespace_usable(p_cfg parting.config, p_tablespace text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF p_cfg.distribution IS NOT NULL THEN
    RAISE EXCEPTION 'model "%" is distributed on Citus: pgpart does not move its tables between tablespaces', p_cfg.model
      USING ERRCODE = 'feature_not_supported',
            HINT = 'its rows are in shards on the workers, which Citus makes without the coordinator''s tablespaces';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_tablespace t WHERE t.spcname = p_tablespace) THEN
    RAISE EXCEPTION 'tablespace "%" does not exist (model "%")', p_tablespace, p_cfg.model
      USING ERRCODE = 'undefined_object',
            HINT = 'a superuser makes it: CREATE TABLESPACE … LOCATION …; or take it out of the config';
  END IF;
  IF p_tablespace NOT IN ('pg_default') AND NOT has_tablespace_privilege(p_tablespace, 'CREATE') THEN
    RAISE EXCEPTION 'role % may not create tables in tablespace "%" (model "%")', current_user, p_tablespace, p_cfg.model
      USING ERRCODE = 'insufficient_privilege',
            HINT = format('GRANT CREATE ON TABLESPACE %I TO %I', p_tablespace, current_user);
  END IF;
END;
$$;
