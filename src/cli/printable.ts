/**
 * Text from the database made safe to print on a terminal. Names, list keys, error messages
 * and NOTICEs come from the database, where any role that may create a table (or choose a
 * list key) chose them: a raw ESC could move the cursor, rewrite lines already printed,
 * retitle the window or hide text; a raw newline or carriage return could forge a line of
 * pgpart's own output. Every such character is shown as an escape instead (`\x1b`, `\n`,
 * `\u202e`), so what is printed is exactly what is there, on one line. JSON output needs none
 * of this: JSON.stringify escapes control characters itself.
 */

/** C0 and C1 controls, DEL, and the Unicode controls that reorder or hide text on a terminal. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `s` with every control character written as an escape. */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (ch) => {
    if (NAMED[ch]) return NAMED[ch]!;
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Like printable, keeping line breaks: for multi-line text the database sends (an error with
 * its detail and hint), where a newline is layout, not a forged line. Carriage returns and
 * every other control are still escaped.
 */
export function printableLines(s: string): string {
  return s.split('\n').map(printable).join('\n');
}

/** A copy of a query result (or any JSON-like value) with every string printable. */
export function printableDeep<T>(v: T): T {
  if (typeof v === 'string') return printable(v) as T;
  if (Array.isArray(v)) return v.map(printableDeep) as T;
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [printable(k), printableDeep(x)])) as T;
  }
  return v;
}
