-- 'tablespace': a table not where the config puts it: tablespace for attached partitions
-- (the tier's, once one applies), archiveTablespace, detachTablespace.
CREATE OR REPLACE FUNCTION parting._check_tablespaces(p_cfg parting.config, p_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.model, t.rel::text, t.suffix, 'tablespace',
         format('in %s, the config puts it in %s (%s)', t.spc, want.spc, want.why),
         format('none: a move rewrites it under ACCESS EXCLUSIVE; run SELECT * FROM parting.set_tablespace(%L, %L, %L) (or pgpart move … --online)',
                p_cfg.root_model, CASE WHEN t.is_default THEN 'default' ELSE t.lower END, want.spc),
         false
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
   CROSS JOIN (SELECT CASE WHEN p_cfg.strategy = 'range' THEN parting._current(parting._model(p_cfg.root_model)) END AS value) cur
   CROSS JOIN LATERAL (
     SELECT x.spc, x.why FROM (
       SELECT CASE WHEN t.state = 'archived' THEN p_cfg.archive_tablespace
                   WHEN t.state = 'detached' THEN p_cfg.detach_tablespace
                   WHEN t.state = 'attached' THEN coalesce(tier.spc, p_cfg.tablespace) END AS spc,
              CASE WHEN t.state = 'archived' THEN 'archiveTablespace'
                   WHEN t.state = 'detached' THEN 'detachTablespace'
                   WHEN tier.spc IS NOT NULL THEN format('tier moveAfter %s', tier.after)
                   ELSE 'tablespace' END AS why
         FROM (SELECT NULL) one
         LEFT JOIN LATERAL (
           SELECT e.tier ->> 'tablespace' AS spc, e.tier ->> 'move_after' AS after
             FROM jsonb_array_elements(p_cfg.tiers) WITH ORDINALITY AS e(tier, i)
            WHERE t.state = 'attached' AND NOT t.is_default AND t.upper IS NOT NULL AND t.upper <> 'MAXVALUE'
              AND parting._ord(p_cfg, t.upper) <= parting._ord(p_cfg, parting._cutoff(p_cfg, cur.value, e.tier ->> 'move_after'))
            ORDER BY e.i DESC LIMIT 1) tier ON true) x) want
   WHERE want.spc IS NOT NULL AND t.spc IS DISTINCT FROM want.spc
$$;
