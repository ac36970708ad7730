/**
 * The little database surface the demo needs, over a real server (node-postgres) or an
 * embedded one (PGlite: PostgreSQL compiled to WASM, running in this process, in memory),
 * so `pgpart demo` works on a machine with no PostgreSQL at all.
 */
import { userSearchPath } from './session.js';
import { connect, maskUrl } from './connect.js';

export interface Engine {
  /** What to tell the user it runs on: "embedded PGlite", or the URL with its password masked. */
  name: string;
  /** Runs a script of several statements (install.sql) with no parameters. */
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A real server: `url`, with PG* filling in what it leaves out (or everything, when absent). */
export async function pgEngine(url?: string): Promise<Engine> {
  const client = await connect(url);
  // The demo's statements are the user's own SQL (tables named as the user's session names
  // them), so this session gets the user's search_path back; install.sql pins itself.
  await client.query(`SELECT pg_catalog.set_config('search_path', $1, false)`, [userSearchPath(client)]);
  return {
    name: url ? maskUrl(url) : 'PostgreSQL from PG* variables',
    // A query without parameters goes over the simple protocol, which takes many statements.
    exec: async (sql) => { await client.query(sql); },
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
    close: () => client.end(),
  };
}

/** An in-memory PGlite, thrown away on close. */
export async function pgliteEngine(): Promise<Engine> {
  // Imported here, not at the top: loading the WASM build costs time that `pgpart build`
  // and the other commands sharing this module graph should not pay.
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create();
  return {
    name: 'embedded PGlite',
    exec: async (sql) => { await db.exec(sql); },
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    close: () => db.close(),
  };
}
