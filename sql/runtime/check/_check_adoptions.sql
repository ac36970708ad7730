-- 'adoption in progress': a family `pgpart adopt` started and has not finished (a row of
-- parting.adoption), whether a run is still at it, was killed, or stopped on an error: its
-- phase, how far the copy got, when its last step ran, and the command that goes on or undoes
-- it. Before the swap the old tables are the live ones and every write to them is copied to
-- the shadow family too (the capture triggers), so an adoption left there costs every writer;
-- after it the old tables wait, renamed, in the retired schema, holding their disk, until
-- `--finish` drops them. Never repaired: which way to go is the user's choice.
CREATE OR REPLACE FUNCTION parting._check_adoptions()
RETURNS SETOF parting.problem
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT a.model, format('%I.%I', a.schema_name, a.members #>> '{0,config,table_name}'), NULL::text, 'adoption in progress',
         CASE WHEN a.phase = 'swapped'
              THEN format('adoption swapped at %s: the partitioned tables are live; the old ones wait in schema %s%s',
                          to_char(a.updated_at, 'YYYY-MM-DD HH24:MI:SS TZ'), a.retired_schema,
                          CASE WHEN jsonb_array_length(a.to_validate) > 0
                               THEN format(', and %s foreign key(s) are not validated yet', jsonb_array_length(a.to_validate)) ELSE '' END)
              ELSE format('adoption started at %s, in phase %s (copied %s of ~%s rows), last step at %s: the old tables are live, '
                          'and every write to them is copied into the shadow family (schema %s) too',
                          to_char(a.started_at, 'YYYY-MM-DD HH24:MI:SS TZ'), a.phase,
                          (SELECT coalesce(sum((p.value ->> 'copied')::bigint), 0) FROM jsonb_each(a.progress) p),
                          (SELECT coalesce(sum(greatest((p.value ->> 'total')::bigint, (p.value ->> 'copied')::bigint)), 0) FROM jsonb_each(a.progress) p),
                          to_char(a.updated_at, 'YYYY-MM-DD HH24:MI:SS TZ'), a.shadow_schema) END,
         CASE WHEN a.phase = 'swapped'
              THEN format('none here: pgpart adopt %s --finish drops the old tables (pgpart adopt %s first validates what is left and installs)',
                          a.model, a.model)
              ELSE format('none here: pgpart adopt %s resumes it (copy, verify, swap); pgpart adopt %s --abort undoes it, nothing lost',
                          a.model, a.model) END,
         false
    FROM parting.adoption a
   ORDER BY a.model
$$;
