/**
 * The CLI's one exit-code convention: 0 ok, 1 a user error (the config, an argument, an
 * install that needs the user's decision), 2 a database error (the server refused or failed
 * what was asked, or could not be reached). Commands throw these classes or a database's own
 * error (which carries its SQLSTATE); main.ts turns each into one line and its code here.
 */
import { ConfigError } from '../config/errors.js';
import { SQLSTATE } from '../contract.js';
import { printableLines } from './printable.js';

export const EXIT = { ok: 0, user: 1, database: 2 } as const;
export type ExitKind = keyof typeof EXIT;

/** A mistake of the user's that is not in the config (an argument, a path): one line, exit 1. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Work the database did not do, already reported in detail (maintenance steps that failed): one line, exit 2. */
export class DatabaseWorkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseWorkError';
  }
}

/** node-postgres and PGlite errors carry the SQLSTATE in `code` (five characters). */
export function sqlstateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** What to print for an error, and the exit code it means. */
export function explain(err: unknown): { kind: ExitKind; text: string } {
  if (err instanceof ConfigError || err instanceof UserError) return { kind: 'user', text: err.message };
  if (err instanceof DatabaseWorkError) return { kind: 'database', text: err.message };
  const code = sqlstateOf(err);
  if (code) {
    const e = err as { message: string; detail?: string; hint?: string };
    // A refused install needs the user's decision, not a database administrator's.
    const refused = code === SQLSTATE.refused;
    return {
      kind: refused ? 'user' : 'database',
      // The server's words, which may quote what other roles named: control characters escaped.
      text: printableLines(`${refused ? '' : 'database error: '}${e.message}${e.detail ? `\ndetail: ${e.detail}` : ''}${e.hint ? `\nhint: ${e.hint}` : ''}`),
    };
  }
  if (isLostConnection(err)) {
    return { kind: 'database', text: `database error: the connection to the server was lost (${printableLines((err as Error).message || String((err as { code?: unknown }).code))}): what ran before is committed or rolled back whole; run the command again` };
  }
  // Not ours to explain in one line: say what it is; PGPART_DEBUG=1 shows where.
  return { kind: 'user', text: `pgpart: ${(err as Error)?.message ?? String(err)}${process.env.PGPART_DEBUG ? `\n${(err as Error)?.stack}` : ''}` };
}

/**
 * A connection that ended under a command (the server restarted or was shut down, the
 * backend was killed, the network went): node-postgres says so without a SQLSTATE, or with
 * the socket's error code. A database error (exit 2), never the user's.
 */
export function isLostConnection(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED'].includes(code)) return true;
  const message = (err as Error)?.message ?? '';
  return /^Connection terminated( unexpectedly| due to connection timeout)?$|^Client has encountered a connection error and is not queryable$|^Client was closed and is not queryable$/.test(message);
}
