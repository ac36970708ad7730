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

/**
 * Text for a `--` comment in install.sql (a config file's path, a note naming a column's
 * definition): one line that can only end where the comment ends. PostgreSQL and psql end a
 * `--` comment at a line feed or carriage return, and psql reads a NUL as the end of its
 * input line (the next line would join the comment): those, every other control character,
 * the Unicode line and paragraph separators, the marks that reorder how a line is shown,
 * and lone surrogates are written as escapes (`\n`, `\u2028`), so what the comment says
 * stays in the comment and reads as it is.
 */
export function commentText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (ch) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
