// The floor of a no-op maintenance run, for run_maintenance's cold and warm calls (parts 7
// and 16): the least any run must do, hand-written as one PL/pgSQL procedure, so that a new
// connection pays what it pays for pgpart's (loading PL/pgSQL, compiling the procedure,
// preparing its statements, reading the catalog and the tables it touches for the first time).
//
// It takes a guard row and commits; finds the current and premade partitions of each parent
// attached (names as pgpart writes them, from now()); writes one log row per family and
// commits; lets go of the guard and commits. No config table, no pinned search_path, no
// check of retention, default partitions, catch-up or tiers: what is left is what a run cannot
// do without. Each log row says how many of the partitions it looked for were missing, so the
// bench can check that every call found them all (a no-op, as pgpart's calls must be).

import type pg from 'pg';

export const FLOOR_RUN_SQL = `
CREATE SCHEMA bench_floor;
CREATE TABLE bench_floor.guard (pid integer, since timestamptz);
INSERT INTO bench_floor.guard VALUES (NULL, NULL);
CREATE TABLE bench_floor.log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  family text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  detail jsonb
);
CREATE INDEX ON bench_floor.log (at);
CREATE PROCEDURE bench_floor.run(p_roots text[], p_parents text[], p_unit text, p_premake integer)
LANGUAGE plpgsql
AS $$
DECLARE
  v_pid integer;
  v_missing integer;
BEGIN
  SELECT g.pid INTO v_pid FROM bench_floor.guard g FOR UPDATE;
  IF v_pid IS NOT NULL THEN
    RETURN;
  END IF;
  UPDATE bench_floor.guard SET pid = pg_backend_pid(), since = clock_timestamp();
  COMMIT;
  SELECT count(*) INTO v_missing
    FROM unnest(p_parents) p, generate_series(0, p_premake) g
   WHERE NOT EXISTS (
           SELECT FROM pg_inherits h
            WHERE h.inhrelid = to_regclass(format('public.%I', p || '_' || to_char(
                    date_trunc(p_unit, now() AT TIME ZONE 'UTC') + g * ('1 ' || p_unit)::interval,
                    CASE p_unit WHEN 'hour' THEN 'YYYY_MM_DD_HH24MI' ELSE 'YYYY_MM' END))));
  INSERT INTO bench_floor.log (family, detail)
  SELECT r, jsonb_build_object('missing', v_missing) FROM unnest(p_roots) r;
  COMMIT;
  UPDATE bench_floor.guard SET pid = NULL, since = NULL;
  COMMIT;
END;
$$;
`;

const array = (xs: readonly string[]): string => `ARRAY[${xs.map((x) => `'${x}'`).join(', ')}]::text[]`;

/** The CALL of the floor for `roots` (one log row each) over `parents` (roots and dependents). */
export function floorRunCall(roots: readonly string[], parents: readonly string[], unit: 'hour' | 'month', premake: number): string {
  return `CALL bench_floor.run(${array(roots)}, ${array(parents)}, '${unit}', ${premake})`;
}

/** Calls of the floor that missed a partition: 0 while every call was a no-op. */
export async function floorMisses(c: pg.Client): Promise<number> {
  const r = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_floor.log WHERE (detail ->> 'missing')::int > 0`);
  return r.rows[0]?.n ?? -1;
}
