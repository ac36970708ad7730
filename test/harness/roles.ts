// Roles for the tests of pgpart among other roles: a database owned by a role that is not a
// superuser (the install's owner), and other roles around it, each with a client of its own.
// Role names carry a random suffix (roles are cluster-wide, shared by every test file), and
// everything is dropped afterwards.

import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { adminUrl, databaseUrl, newClient, quoteIdent, withAdmin } from './db.js';

export interface RoleDatabase {
  /** The database, owned by `owner`. */
  name: string;
  /** role name → its URL for this database. */
  url(role: string): string;
  /** A connected client as `role` (closed by drop()). */
  as(role: string): Promise<pg.Client>;
  /** The database's superuser URL (the cluster's admin, on this database). */
  adminUrl: string;
  /** The roles made, by the name the test gave them (`owner` among them). */
  roles: Record<string, string>;
  drop(): Promise<void>;
}


/**
 * A database owned by a new LOGIN role `owner` (not a superuser), and a role for each of
 * `others`, made by `CREATE ROLE <name> <options>` (options such as 'LOGIN' or
 * 'LOGIN IN ROLE {owner}', where {owner} is replaced by the owner's name).
 */
export async function roleDatabase(prefix: string, others: Record<string, string> = {}): Promise<RoleDatabase> {
  const suffix = randomBytes(4).toString('hex');
  const roles: Record<string, string> = { owner: `${prefix}_owner_${suffix}` };
  for (const name of Object.keys(others)) roles[name] = `${prefix}_${name}_${suffix}`;
  const name = `${prefix}_${suffix}`;
  await withAdmin(async (c) => {
    await c.query(`CREATE ROLE ${quoteIdent(roles.owner!)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    for (const [role, options] of Object.entries(others)) {
      await c.query(`CREATE ROLE ${quoteIdent(roles[role]!)} ${options.replace('{owner}', quoteIdent(roles.owner!))}`);
    }
    await c.query(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(roles.owner!)}`);
  });
  const clients: pg.Client[] = [];
  const url = (role: string): string => {
    const u = new URL(databaseUrl(adminUrl(), name));
    u.username = roles[role] ?? role;
    u.password = '';
    return u.toString();
  };
  return {
    name,
    url,
    adminUrl: databaseUrl(adminUrl(), name),
    roles,
    async as(role: string) {
      const c = newClient(url(role));
      await c.connect();
      clients.push(c);
      return c;
    },
    async drop() {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      await withAdmin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
        for (const role of Object.values(roles).reverse()) await c.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
      });
    },
  };
}
