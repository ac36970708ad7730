/**
 * Column definitions: the SQL a config writes after a column's name, which the runtime puts
 * as written into `CREATE TABLE (…)` and `ALTER TABLE … ADD COLUMN`. A definition must be
 * one column there and nothing else, so it is read with PostgreSQL's own parser in both
 * places; what pgpart needs to know of it (identity, generated, NOT NULL) comes from that
 * parse tree, and its base type from the text before its first modifier.
 */
import { ident } from '../emit/quote.js';
import { nodeType, parseSql, type ParseNode } from './sql-parser.js';
import { isWellFormed } from './text.js';
import type { Column } from './types.js';

/** Words that end the type part of a column definition. */
const MODIFIER = /\s+(not\s+null|null|default|generated|constraint|primary|unique|references|check|collate)\b/i;

const TYPE_ALIASES: Record<string, string> = {
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  int: 'integer',
  int4: 'integer',
  int8: 'bigint',
  int2: 'smallint',
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  'character varying': 'varchar',
  bool: 'boolean',
};

/**
 * The definition with the inside of every quoted string, quoted identifier and dollar-quoted
 * string replaced by `_` (same length, so positions still match), or null when a quote is
 * never closed. What is left is the SQL that is not data: where `;`, comments and keywords
 * can be looked for.
 */
export function outsideQuotes(definition: string): string | null {
  let out = '';
  let i = 0;
  while (i < definition.length) {
    const ch = definition[i]!;
    // A dollar quote starts with $tag$ where a token may start (`a$b` is one identifier, `$1` a parameter).
    const dollar = ch === '$' && !/[A-Za-z0-9_$\u0080-\uffff]/.test(definition[i - 1] ?? ' ')
      ? /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(definition.slice(i)) : null;
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      for (;;) {
        j = definition.indexOf(ch, j);
        if (j === -1) return null;
        if (definition[j + 1] === ch) j += 2; // '' or "": the quote itself
        else break;
      }
      out += ch + '_'.repeat(j - i - 1) + ch;
      i = j + 1;
    } else if (dollar) {
      const end = definition.indexOf(dollar[0], i + dollar[0].length);
      if (end === -1) return null;
      out += dollar[0] + '_'.repeat(end - i - dollar[0].length) + dollar[0];
      i = end + dollar[0].length;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

export function baseType(definition: string): string {
  // Keywords inside quotes (`"a not null b"`, a quoted type name) do not end the type.
  const cut = (outsideQuotes(definition) ?? definition).search(MODIFIER);
  const raw = (cut === -1 ? definition : definition.slice(0, cut)).trim().toLowerCase().replace(/\s+/g, ' ');
  return TYPE_ALIASES[raw] ?? raw;
}

/** Clauses of CREATE TABLE that a definition could reach by closing the column list, as SQL spells them. */
const TABLE_CLAUSES: Record<string, string> = {
  inhRelations: 'INHERITS', partspec: 'PARTITION BY', options: 'WITH', accessMethod: 'USING',
  tablespacename: 'TABLESPACE', partbound: 'PARTITION OF', ofTypename: 'OF', constraints: 'a constraint',
};

const KEY_CONSTRAINTS: Record<string, string> = { CONSTR_PRIMARY: 'PRIMARY KEY', CONSTR_UNIQUE: 'UNIQUE', CONSTR_FOREIGN: 'REFERENCES' };

/**
 * How PostgreSQL reads `<name> <definition>` as a column of CREATE TABLE and of ALTER
 * TABLE … ADD COLUMN: its ColumnDef node, or what makes it more (or less) than one column.
 */
export function readColumn(name: string, definition: string): { column: ParseNode; problem?: undefined } | { column?: undefined; problem: string } {
  const col = `${ident(name)} ${definition}`;
  const created = parseSql(`CREATE TABLE t (${col})`);
  if (created.error !== undefined) return { problem: `is not a column definition PostgreSQL can read: ${created.error}` };
  const stmts = created.tree.stmts;
  if (stmts.length !== 1 || nodeType(stmts[0]!.stmt) !== 'CreateStmt') {
    return { problem: `is read by PostgreSQL as ${stmts.length} statements: give one column definition` };
  }
  const create = stmts[0]!.stmt.CreateStmt as ParseNode;
  const clauses = Object.keys(create).filter((k) => !['relation', 'tableElts', 'oncommit'].includes(k) || (k === 'oncommit' && create[k] !== 'ONCOMMIT_NOOP'));
  if (clauses.length) {
    return { problem: `closes the column list: PostgreSQL reads table clauses after it (${clauses.map((k) => TABLE_CLAUSES[k] ?? k).join(', ')}); give one column definition` };
  }
  const elements = (create.tableElts ?? []) as ParseNode[];
  const columns = elements.filter((e) => nodeType(e) === 'ColumnDef').map((e) => e.ColumnDef as ParseNode);
  if (elements.length !== 1 || columns.length !== 1) {
    const others = elements.filter((e) => nodeType(e) !== 'ColumnDef').map((e) =>
      nodeType(e) === 'Constraint' ? `a table constraint (${KEY_CONSTRAINTS[e.Constraint.contype] ?? e.Constraint.contype.replace(/^CONSTR_/, '')})` : nodeType(e));
    const read = [columns.length ? `${columns.length} column(s) (${columns.map((c) => c.colname).join(', ')})` : '', ...others].filter(Boolean).join(' and ');
    return { problem: `must define one column, but PostgreSQL reads it as ${read}: give each column its own entry in columns, and keys in primaryKey, unique or partitionForeignKey` };
  }
  const column = columns[0]!;
  if (column.colname !== name) return { problem: `is read by PostgreSQL as a column named ${JSON.stringify(column.colname)}: give one column definition` };
  const keys = ((column.constraints ?? []) as ParseNode[]).map((c) => c.Constraint?.contype as string).filter((t) => t in KEY_CONSTRAINTS);
  if (keys.length) {
    return { problem: `declares a key inline: use the model's primaryKey, unique or partitionForeignKey instead, so pgpart can fit it to the partitions (it has ${keys.map((k) => KEY_CONSTRAINTS[k]).join(', ')})` };
  }
  // The runtime also adds columns with ALTER TABLE … ADD COLUMN: the same text must be one column there.
  const added = parseSql(`ALTER TABLE t ADD COLUMN ${col}`);
  const cmds = added.tree?.stmts.length === 1 ? (added.tree.stmts[0]!.stmt.AlterTableStmt?.cmds ?? []) as ParseNode[] : [];
  if (cmds.length !== 1 || cmds[0]!.AlterTableCmd?.subtype !== 'AT_AddColumn') {
    return { problem: `is not one column in ALTER TABLE … ADD COLUMN${added.error ? ` (${added.error})` : ''}: give one column definition` };
  }
  return { column };
}

/** Problems that make a definition unusable as the text after a column name, or null; else the column as PostgreSQL reads it. */
export function definitionProblem(name: string, definition: string): { problem: string; column?: undefined } | { problem: null; column: ParseNode } {
  if (!isWellFormed(definition)) return { problem: 'is not valid Unicode text (it has a lone surrogate)' };
  // A backslash or a line break could start a psql meta-command (`\! cmd`) when install.sql
  // is run with psql -f, even inside a quoted string psql may not see as one: refuse both.
  if (/[\\\u0000-\u001f\u007f-\u009f]/.test(definition)) return { problem: 'may not contain a backslash, a line break or other control characters' };
  const unquoted = outsideQuotes(definition);
  if (unquoted === null) return { problem: 'has an unterminated quote' };
  if (/;|--|\/\*/.test(unquoted)) return { problem: 'may not contain ";" or comments: give one column definition' };
  // More ( than ) or the other way round; a ) that closes the column list early is the parser's to name.
  if (unquoted.split('(').length !== unquoted.split(')').length) return { problem: 'has unbalanced parentheses' };
  const read = readColumn(name, definition);
  if (read.problem !== undefined) return { problem: read.problem };
  const kinds = ((read.column.constraints ?? []) as ParseNode[]).map((c) => c.Constraint?.contype as string);
  if (kinds.includes('CONSTR_NULL') && kinds.includes('CONSTR_NOTNULL')) return { problem: 'says both NULL and NOT NULL, which PostgreSQL refuses' };
  return { problem: null, column: read.column };
}

/**
 * A Column from its definition and, when it parsed, its ColumnDef node: identity, generated
 * and NOT NULL are read from the node's constraints (so `default 'not null'` is not NOT NULL).
 */
export function parseColumn(name: string, definition: string, column?: ParseNode): Column {
  const kinds = new Set(((column?.constraints ?? []) as ParseNode[]).map((c) => c.Constraint?.contype as string));
  const identity = kinds.has('CONSTR_IDENTITY');
  return {
    name,
    definition: definition.trim(),
    type: baseType(definition),
    identity,
    generated: kinds.has('CONSTR_GENERATED'),
    notNull: identity || kinds.has('CONSTR_NOTNULL'),
  };
}
