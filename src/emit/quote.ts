/**
 * The only code that turns values into SQL text. Templates reach it through the helpers
 * registered in render.ts; nothing else builds identifiers or literals.
 */

/** A quoted identifier: always quoted, so reserved words (`user`) and case survive. */
export function ident(name: string): string {
  if (name.length === 0 || name.includes('\0')) throw new Error(`invalid identifier ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** `schema.name`, both quoted. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** A SQL literal for a string, number, boolean, null, string array (text[]) or object (jsonb). */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as SQL`);
    return String(value);
  }
  if (typeof value === 'string') return quoteString(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return `ARRAY[${value.map(quoteString).join(', ')}]::text[]`;
  }
  return `${quoteString(JSON.stringify(value))}::jsonb`;
}

/** A string literal. install.sql sets standard_conforming_strings = on, so only quotes need doubling. */
function quoteString(s: string): string {
  if (s.includes('\0')) throw new Error('a SQL string cannot contain a NUL byte');
  return `'${s.replace(/'/g, "''")}'`;
}

/** `"a", "b"`: a column list. */
export function identList(names: string[]): string {
  return names.map(ident).join(', ');
}

/**
 * A dollar-quoted string: `$tag$text$tag$`, for SQL carried verbatim (a migration's body
 * run by EXECUTE). Refuses text that contains the tag, which would end the string early.
 */
export function dollarQuoted(text: string, tag: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tag)) throw new Error(`invalid dollar-quote tag ${JSON.stringify(tag)}`);
  const quote = `$${tag}$`;
  if (text.includes(quote)) throw new Error(`the text contains its own dollar-quote tag ${quote}`);
  return `${quote}${text}${quote}`;
}

/** A jsonb literal, pretty-printed (one key per line), for documents a reader may look at in install.sql. */
export function jsonLiteral(value: unknown): string {
  return `${quoteString(JSON.stringify(value, null, 2))}::jsonb`;
}
