/** Rows printed as a table a person reads, for the commands that print query results. */

type Row = Record<string, unknown>;

export interface TableOptions {
  /** Columns aligned to the right besides those holding only whole numbers (sizes, say). */
  right?: string[];
  /** Decorates a cell's text (with colour) after the widths are measured from the plain text. */
  paint?: (column: string, text: string, row: Row) => string;
}

/** Aligned columns like psql's, numbers to the right; NULL prints as empty. */
export function printTable(rows: Row[], out: (line: string) => void, options: TableOptions = {}): void {
  if (rows.length === 0) return out('   (no rows)');
  const cols = Object.keys(rows[0]!);
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const right = cols.map((c, i) => options.right?.includes(c) || cells.every((r) => /^-?\d+$/.test(r[i]!)));
  const pad = (v: string, i: number, shown: string): string => {
    const fill = ' '.repeat(widths[i]! - v.length);
    return right[i] ? fill + shown : shown + fill;
  };
  const line = (vals: string[], shown: string[] = vals): string =>
    `   ${vals.map((v, i) => pad(v, i, shown[i]!)).join('  ')}`.trimEnd();
  out(line(cols));
  out(`   ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  const paint = options.paint;
  cells.forEach((r, n) => out(paint ? line(r, r.map((v, i) => (v ? paint(cols[i]!, v, rows[n]!) : v))) : line(r)));
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  return v instanceof Date ? v.toISOString() : String(v);
}

/** A size as a person reads it: `512 B`, `8.0 kB`, `1.2 MB` (powers of 1024, one decimal). */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes / 1024;
  let unit = 0;
  while (Number(value.toFixed(1)) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** ANSI colours for a stream: only on a terminal (and not under NO_COLOR); elsewhere the text as it is. */
export function colours(stream: NodeJS.WriteStream): Record<'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold', (text: string) => string> {
  const on = Boolean(stream.isTTY) && !process.env.NO_COLOR;
  const sgr = (code: string) => (text: string): string => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { red: sgr('31'), green: sgr('32'), yellow: sgr('33'), cyan: sgr('36'), dim: sgr('2'), bold: sgr('1') };
}
