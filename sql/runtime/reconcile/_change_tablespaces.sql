-- The tablespaces a model's config names (tablespace, archiveTablespace, detachTablespace,
-- the tiers'), each of which must exist and take the installing role's tables: otherwise
-- the install is refused, naming the field, rather than every later partition, archive or
-- tier move failing one by one.
CREATE OR REPLACE FUNCTION parting._change_tablespaces(p_cfg parting.config)
RETURNS SETOF parting.change
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_s record;
BEGIN
  FOR v_s IN
    SELECT u.space, string_agg(u.field, ', ' ORDER BY u.n) AS fields
      FROM (SELECT p_cfg.tablespace, format('models.%s.tablespace', p_cfg.model), 1
            UNION ALL SELECT p_cfg.archive_tablespace, format('models.%s.archiveTablespace', p_cfg.model), 2
            UNION ALL SELECT p_cfg.detach_tablespace, format('models.%s.detachTablespace', p_cfg.model), 3
            UNION ALL SELECT t.tier ->> 'tablespace', format('models.%s.partition.tiers[%s].tablespace', p_cfg.model, t.i - 1), 3 + t.i
                        FROM jsonb_array_elements(p_cfg.tiers) WITH ORDINALITY AS t(tier, i)
                       WHERE p_cfg.parent_model IS NULL) AS u(space, field, n)
     WHERE u.space IS NOT NULL
     GROUP BY u.space
     ORDER BY min(u.n)
  LOOP
    IF NOT EXISTS (SELECT FROM pg_tablespace t WHERE t.spcname = v_s.space) THEN
      RETURN NEXT parting._refusal(p_cfg.model, 'alter model', v_s.space,
        format('%s: tablespace %I does not exist: a superuser makes it (CREATE TABLESPACE %I LOCATION ''…''), or take it out of the config',
               v_s.fields, v_s.space, v_s.space));
    ELSIF v_s.space <> 'pg_default' AND NOT has_tablespace_privilege(v_s.space, 'CREATE') THEN
      RETURN NEXT parting._refusal(p_cfg.model, 'alter model', v_s.space,
        format('%s: role %s may not create tables in tablespace %I: GRANT CREATE ON TABLESPACE %I TO %I (as its owner or a superuser)',
               v_s.fields, current_user, v_s.space, v_s.space, current_user));
    END IF;
  END LOOP;
END;
$$;
