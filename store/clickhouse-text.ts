/**
 * Values as ClickHouse text, the two conversions every JSON row writer and address reader of the
 * store needs.
 */

/** DateTime64(3) text of a time in ms (UTC), as a JSONEachRow insert takes it; the fraction of a ms is cut. */
export const dateTime64Text = (ms: number): string =>
  new Date(Math.floor(ms)).toISOString().replace('T', ' ').replace('Z', '');

/**
 * SQL expression: an `IPv6` column as address text, an IPv4-mapped address (how the store keeps
 * IPv4) back to dotted IPv4. Only `::ffff:a.b.c.d` is unmapped; `::ffff:0:1` style text is kept.
 */
export const ipTextSql = (column: string): string =>
  `replaceRegexpOne(IPv6NumToString(${column}), '^::ffff:([0-9]+[.][0-9.]+)$', '\\\\1')`;
