/**
 * Running an install script through Knex (or another client that turns every `?` into a
 * parameter: `knex.raw(installSql)` sends `$1`, `$2`, … where the script has `?` in its
 * functions, and fails). The script goes to the node-postgres connection Knex hands out, as
 * one simple query, so no binding touches it; in a Knex migration that is the migration's
 * own transaction (give the script built with `transaction: false`), elsewhere a pooled
 * connection (give it with BEGIN/COMMIT, as `build` makes it by default).
 */

/** What this needs of node-postgres's client: a query and its notices. */
export interface PgConnection {
  query(text: string): Promise<unknown>;
  on(event: 'notice', listener: (msg: { message?: string }) => void): unknown;
  removeListener(event: 'notice', listener: (msg: { message?: string }) => void): unknown;
}

/** What this needs of Knex (an instance or a transaction): the connection it hands out. */
export interface KnexLike {
  client: { acquireConnection(): Promise<unknown>; releaseConnection(connection: unknown): Promise<unknown> };
}

/**
 * Runs `sql` on Knex's connection and returns the NOTICEs it raised: pgpart's lines saying
 * what the install changed (`pgpart: add column …`), for your log.
 *
 * @example
 * // migrations/20260101_pgpart.js (Knex runs it in a transaction)
 * import { build, installWithKnex } from 'pgpart';
 * export async function up(knex) {
 *   for (const n of await installWithKnex(knex, build(config, { transaction: false }))) console.log(n);
 * }
 */
export async function installWithKnex(knex: KnexLike, sql: string): Promise<string[]> {
  const connection = await knex.client.acquireConnection() as PgConnection;
  const notices: string[] = [];
  const onNotice = (msg: { message?: string }): void => { notices.push(msg.message ?? String(msg)); };
  connection.on('notice', onNotice);
  try {
    await connection.query(sql);
  } finally {
    connection.removeListener('notice', onNotice);
    await knex.client.releaseConnection(connection);
  }
  return notices;
}
