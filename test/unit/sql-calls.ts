/**
 * The calls between the runtime's routines, read from their source: what the layering test
 * holds to the rooms' rules. A call is `parting.<name>(` in code, or in a string literal that
 * is itself a statement (`format('CALL parting._add_member(%L)', …)` runs later as dynamic
 * SQL); a routine named inside a message or a hint (`'… run CALL parting.run_maintenance()'`)
 * is advice to a person, not a call. Comments are not code.
 */

/** The code of a routine file with comments removed and each string literal replaced by
 * its text when it is a statement, else by an empty string. */
export function codeOf(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === '-' && next === '-') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (c === "'") {
      // 'it''s' and E'it\'s': a literal ends at a lone quote.
      const escaped = /[eE]/.test(source[i - 1] ?? '') && !/\w/.test(source[i - 2] ?? '');
      let j = i + 1;
      let text = '';
      for (; j < source.length; j++) {
        if (escaped && source[j] === '\\') { text += source[j + 1] ?? ''; j++; continue; }
        if (source[j] === "'") {
          if (source[j + 1] === "'") { text += "'"; j++; continue; }
          break;
        }
        text += source[j];
      }
      out += /^\s*(CALL|SELECT|PERFORM)\b/i.test(text) ? ` ${text} ` : "''";
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The parting routines a routine's source calls, each once, sorted. */
export function callsIn(source: string, self?: string): string[] {
  const names = new Set<string>();
  for (const m of codeOf(source).matchAll(/\bparting\s*\.\s*("?)([a-z_][a-z0-9_]*)\1\s*\(/gi)) {
    const name = m[2]!.toLowerCase();
    if (name !== self) names.add(name);
  }
  return [...names].sort();
}
