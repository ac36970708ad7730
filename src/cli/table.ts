/** Rows printed as a table a person reads, for the commands that print query results. */

type Row = Record<string, unknown>;

/** Aligned columns like psql's, numbers to the right; NULL prints as empty. */
export function printTable(rows: Row[], out: (line: string) => void): void {
  if (rows.length === 0) return out('   (no rows)');
  const cols = Object.keys(rows[0]!);
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = cols.map((_, i) => cells.every((r) => /^-?\d+$/.test(r[i]!)));
  const line = (vals: string[]): string =>
    `   ${vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  out(line(cols));
  out(`   ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of cells) out(line(r));
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  return v instanceof Date ? v.toISOString() : String(v);
}
