/**
 * PostgreSQL's own parser (libpg-query: the server's grammar compiled to WebAssembly), for
 * the config strings that reach install.sql as SQL text. Reading them with the grammar the
 * server uses, rather than with patterns, is what makes "one column definition" mean what
 * PostgreSQL will make of it.
 *
 * Loading it compiles about 1 MB of WebAssembly. Only validation imports this module, so
 * the CLI's commands that compile no config (status, check, maintain, move) never load it;
 * the top-level await lets `validate()` and `build()` stay synchronous.
 */
import { loadModule, parseSync } from 'libpg-query';

await loadModule();

/** A node of libpg-query's JSON parse tree: `{ NodeType: { field: … } }`. */
export type ParseNode = Record<string, any>;

export interface Parsed {
  stmts: { stmt: ParseNode; stmt_location?: number; stmt_len?: number }[];
}

/** The parse tree of `sql`, or PostgreSQL's syntax error message. */
export function parseSql(sql: string): { tree: Parsed; error?: undefined } | { tree?: undefined; error: string } {
  try {
    const tree = parseSync(sql) as Parsed;
    return { tree: { stmts: tree.stmts ?? [] } };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The node type of a node: `CreateStmt`, `ColumnDef`, … */
export const nodeType = (node: ParseNode): string => Object.keys(node)[0]!;
