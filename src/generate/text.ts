/**
 * Escaping for the languages the generators write. Every name and string that reaches
 * generated code goes through one of these; the generators never splice raw text.
 */

/** JavaScript/TypeScript reserved words and the names generated TypeScript imports itself. */
const TS_RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export',
  'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super',
  'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static',
  'implements', 'interface', 'package', 'private', 'protected', 'public', 'await', 'arguments', 'eval', 'undefined',
  'NaN', 'Infinity',
]);

/** A TypeScript identifier for a name (`[a-z_][a-z0-9_]*`): reserved words and `taken` names get a trailing `_`. */
export function tsIdent(name: string, taken: ReadonlySet<string> = new Set()): string {
  let out = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : name.replace(/[^A-Za-z0-9_$]/g, '_').replace(/^(\d)/, '_$1');
  while (TS_RESERVED.has(out) || taken.has(out)) out += '_';
  return out;
}

/** A TypeScript string literal (JSON's escaping is valid TypeScript: quotes, backslashes, control characters). */
export function tsString(s: string): string {
  return JSON.stringify(s);
}

/** The inside of a TypeScript template literal: backslashes, backticks and `${` escaped. */
export function tsTemplate(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
}

/** An object key: bare when it is an identifier, else quoted. */
export function tsKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : tsString(name);
}

const PY_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield', 'match', 'case', 'type',
]);

/**
 * A Python/Django field name for a column: keywords get a trailing `_`; Django refuses
 * names ending in `_` or holding `__` (its lookup separator), and `pk`, so those become
 * `f_<name>`-style names; the column keeps its name through db_column.
 */
export function pyField(name: string, taken: ReadonlySet<string> = new Set()): string {
  let out = name;
  if (PY_KEYWORDS.has(out)) out = `${out}_field`;
  if (out.endsWith('_') || out.includes('__') || out.startsWith('_') || out === 'pk' || out === 'objects') {
    out = `f_${out.replace(/_+/g, '_').replace(/^_|_$/g, '')}`;
  }
  while (taken.has(out)) out = `${out}_field`;
  return out;
}

/** A Python string literal in single quotes: backslashes, quotes and every control character escaped. */
export function pyString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** A Prisma schema string: double quotes with backslash escapes (the grammar's JSON-like strings). */
export function prismaString(s: string): string {
  return JSON.stringify(s);
}

/** Prisma's own words and scalar types, which a model or field may not be named. */
const PRISMA_RESERVED = new Set([
  'model', 'enum', 'type', 'view', 'datasource', 'generator', 'String', 'Int', 'BigInt', 'Float', 'Decimal', 'Boolean',
  'DateTime', 'Json', 'Bytes', 'Unsupported', 'PrismaClient', 'Prisma',
]);

/** A Prisma model or field name: a letter first; others are renamed and keep their database name through @map/@@map. */
export function prismaIdent(name: string, taken: ReadonlySet<string> = new Set()): string {
  let out = /^[A-Za-z]/.test(name) ? name : `f${name}`;
  while (PRISMA_RESERVED.has(out) || taken.has(out)) out = `${out}_`;
  return out;
}
