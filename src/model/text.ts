/** Checks on config text that becomes SQL values. */

/**
 * False when `s` has a lone UTF-16 surrogate: such a string has no UTF-8 form, and
 * PostgreSQL refuses the `\ud800` escape JSON gives it when the install reads the document.
 */
export function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
