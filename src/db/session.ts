/**
 * The CLI's sessions run pgpart's own queries with `search_path = pg_catalog, pg_temp`: a
 * function or operator another role made in a schema on the user's path (`public`, or one
 * put ahead of pg_catalog by `ALTER ROLE … SET search_path`) never resolves in them, so it
 * never runs as the user who runs `pgpart plan`, `apply`, `maintain`, `status`, `check` or
 * `move` (a superuser, often).
 *
 * The user's own path is read once, first thing, with qualified calls, and kept: the install
 * reads the models' column definitions (a type of the application's) with it, so `plan`
 * passes it to parting.plan, and `apply` gives it back to the session while install.sql runs
 * (install.sql pins itself and hands it to parting._install the same way psql -f does).
 */
import type pg from 'pg';

/** The path pgpart's own queries run with. */
export const PINNED_SEARCH_PATH = 'pg_catalog, pg_temp';

const userPaths = new WeakMap<pg.Client, string>();

/** Remembers the session's search_path and pins it (for the session: outside any transaction). */
export async function pinSearchPath(client: pg.Client): Promise<void> {
  const { rows: [r] } = await client.query<{ path: string }>(`SELECT pg_catalog.current_setting('search_path') AS path`);
  userPaths.set(client, r!.path);
  await client.query(`SELECT pg_catalog.set_config('search_path', $1, false)`, [PINNED_SEARCH_PATH]);
}

/** The session's search_path as the user set it (before pinSearchPath). */
export function userSearchPath(client: pg.Client): string {
  const path = userPaths.get(client);
  if (path === undefined) throw new Error('internal: the session was not pinned (pinSearchPath)');
  return path;
}

/**
 * The path the user's own SQL runs with, as parting._user_path makes it for the install: the
 * user's, behind pg_catalog, with pg_temp last. For statements the install deferred to
 * `pgpart apply` (concurrent index builds of the config's index definitions).
 */
export function userSqlPath(client: pg.Client): string {
  const path = userSearchPath(client).trim();
  return `pg_catalog, ${path === '' ? '"$user", public' : path}, pg_temp`;
}

/**
 * Runs `fn` with the session's search_path set to `path` (the user's, by default), then pins
 * it again, whether `fn` succeeded or not. Outside a transaction (a rolled-back one would
 * undo the pin).
 */
export async function withSearchPath<T>(client: pg.Client, fn: () => Promise<T>, path = userSearchPath(client)): Promise<T> {
  await client.query(`SELECT pg_catalog.set_config('search_path', $1, false)`, [path]);
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    // fn's error is the one to report; a session that cannot be pinned again is closed by the caller.
    await client.query(`SELECT pg_catalog.set_config('search_path', $1, false)`, [PINNED_SEARCH_PATH]).catch(() => {});
    throw err;
  }
  await client.query(`SELECT pg_catalog.set_config('search_path', $1, false)`, [PINNED_SEARCH_PATH]);
  return result;
}

/**
 * Relations (by oid, as text) named as the user's session names them: regclass's output in
 * the user's search_path, schema-qualified only where that path would not find them. The
 * query names everything through pg_catalog, so the user's path resolves nothing in it.
 */
export async function relationNames(client: pg.Client, oids: string[]): Promise<Map<string, string>> {
  if (oids.length === 0) return new Map();
  const { rows } = await withSearchPath(client, () => client.query<{ oid: string; name: string }>(
    `SELECT o::pg_catalog.text AS oid, o::pg_catalog.regclass::pg_catalog.text AS name
       FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS o`, [oids]));
  return new Map(rows.map((r) => [r.oid, r.name]));
}
