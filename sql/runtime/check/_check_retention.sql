-- 'past retention': an attached partition of a range root all of whose rows are older than
-- keep: a retire that keeps failing (its history says why), or a family attached again by hand.
CREATE OR REPLACE FUNCTION parting._check_retention(p_cfg parting.config, p_tables jsonb)
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT p_cfg.model, t.rel::text, t.suffix, 'past retention',
         format('all its rows are older than keep (%s), and it is still attached', p_cfg.retention_keep)
           || coalesce(format('; the last retire of %s %s at %s: %s', h.partition, h.action, to_char(h.at, 'YYYY-MM-DD HH24:MI:SS'),
                              coalesce(h.detail ->> 'error', 'its locks could not be had')), ''),
         'none here: run_maintenance retires it, oldest first'
           || CASE WHEN h.id IS NULL THEN ' (or detach_partition it)'
                   ELSE '; fix what stops that retire, or detach_partition it' END, false
    FROM jsonb_populate_recordset(NULL::parting.made_table, p_tables) t
    -- Why it is still here: the last retire of the family that failed or was skipped since
    -- the last one done (a later one waits behind it: retention goes oldest first).
    LEFT JOIN LATERAL (SELECT h.id, h.at, h.action, h.partition, h.detail FROM parting.history h
                        WHERE h.model = p_cfg.model AND h.action IN ('failed', 'skipped') AND h.detail ->> 'step' = 'retire'
                          AND h.id > coalesce((SELECT max(d.id) FROM parting.history d
                                                WHERE d.model = p_cfg.model AND d.action IN ('detached', 'archived', 'dropped')), 0)
                        ORDER BY h.id DESC LIMIT 1) h ON true
   CROSS JOIN (SELECT parting._cutoff(p_cfg, parting._current(p_cfg), p_cfg.retention_keep) AS value) cutoff
   WHERE p_cfg.parent_model IS NULL AND p_cfg.strategy = 'range' AND p_cfg.retention_keep IS NOT NULL
     AND t.state = 'attached' AND NOT t.is_default AND t.upper IS NOT NULL AND t.upper <> 'MAXVALUE'
     AND CASE WHEN p_cfg.key_type = 'integer' THEN t.upper::numeric <= cutoff.value::numeric
              WHEN p_cfg.key_type = 'timestamptz' THEN t.upper::timestamptz <= cutoff.value::timestamptz
              ELSE t.upper::timestamp <= cutoff.value::timestamp END
$$;
