-- ANALYZE the partitioned parents of a family (config analyze), after a run attached or
-- detached some of its partitions: autovacuum analyzes partitions but never a partitioned
-- table, whose statistics the planner uses for joins and for queries across partitions.
-- PostgreSQL samples the parent's rows across its partitions (default_statistics_target ×
-- 300 rows); before 18 it also re-analyzes every partition, since ANALYZE ONLY exists from
-- 18 on. Under lock_timeout (SHARE UPDATE EXCLUSIVE on the parent and its partitions,
-- which no writer conflicts with), logged as 'analyzed' with its duration.
CREATE OR REPLACE FUNCTION parting._analyze_family(p_root parting.config)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_c parting.config;
  v_parent regclass;
  v_started timestamptz;
BEGIN
  FOR v_c IN SELECT * FROM parting.config c WHERE c.root_model = p_root.root_model ORDER BY c.family_order, c.model LOOP
    v_parent := to_regclass(format('%I.%I', v_c.schema_name, v_c.table_name));
    CONTINUE WHEN v_parent IS NULL;
    v_started := clock_timestamp();
    PERFORM parting._lock(v_c, p_share_update => ARRAY[v_parent]);
    EXECUTE format('ANALYZE %s%s', CASE WHEN current_setting('server_version_num')::integer >= 180000 THEN 'ONLY ' ELSE '' END, v_parent);
    PERFORM parting._log(v_c.model, NULL, 'analyzed',
                         jsonb_build_object('partitions', (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = v_parent),
                           'recursed', current_setting('server_version_num')::integer < 180000),
                         clock_timestamp() - v_started);
  END LOOP;
END;
$$;
