/**
 * Reads what pgpart needs from a column definition string: its base type and whether it
 * is an identity, a generated column or NOT NULL. The definition itself goes into the
 * parent table as written, so this only has to classify, not rewrite.
 */
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

export function baseType(definition: string): string {
  const cut = definition.search(MODIFIER);
  const raw = (cut === -1 ? definition : definition.slice(0, cut)).trim().toLowerCase().replace(/\s+/g, ' ');
  return TYPE_ALIASES[raw] ?? raw;
}

/** Problems that make a definition unusable as the text after a column name, or null. */
export function definitionProblem(definition: string): string | null {
  // A backslash or a line break could start a psql meta-command (`\! cmd`) when install.sql
  // is run with psql -f, even inside a quoted string psql may not see as one: refuse both.
  if (/[\\\u0000-\u001f]/.test(definition)) return 'may not contain a backslash, a line break or other control characters';
  // Blank out quoted text: a semicolon inside a string default ('a;b') is harmless.
  const unquoted = definition.replace(/'(?:[^']|'')*'/g, 'Q').replace(/"(?:[^"]|"")*"/g, 'Q');
  if (/['"]/.test(unquoted)) return 'has an unterminated quote';
  if (/;|--|\/\*/.test(unquoted)) return 'may not contain ";" or comments: give one column definition';
  let depth = 0;
  for (const ch of unquoted) {
    depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
    if (depth < 0) return 'has unbalanced parentheses';
  }
  if (depth !== 0) return 'has unbalanced parentheses';
  if (/\b(primary\s+key|unique|references)\b/i.test(unquoted)) {
    return 'declares a key inline: use the model\'s primaryKey, unique or partitionForeignKey instead, so pgpart can fit it to the partitions';
  }
  return null;
}

export function parseColumn(name: string, definition: string): Column {
  const lower = definition.toLowerCase();
  const identity = /generated\s+(always|by\s+default)\s+as\s+identity/.test(lower);
  const generated = /generated\s+always\s+as\s*\(/.test(lower);
  return {
    name,
    definition: definition.trim(),
    type: baseType(definition),
    identity,
    generated,
    notNull: identity || /\bnot\s+null\b/.test(lower),
  };
}
