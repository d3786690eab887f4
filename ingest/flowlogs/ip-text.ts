/**
 * Addresses and MACs written in flow logs, checked and put in the form model/ uses. (Address text from
 * bytes or words: ingest/decode/address-text.ts.)
 */

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_RE = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;

/** An address written in a log, checked and lower-cased; undefined when it is not one. */
export function ipFromText(text: string): string | undefined {
  if (IPV4_RE.test(text)) return text;
  if (text.length >= 2 && text.length <= 45 && IPV6_RE.test(text)) return text.toLowerCase();
  return undefined;
}

const MAC_RE = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/;

/** A MAC in any common notation → lower-case colon form; undefined otherwise or all-zero. */
export function macFromText(text: string): string | undefined {
  if (!MAC_RE.test(text)) return undefined;
  const m = text.toLowerCase().replace(/-/g, ':');
  return m === '00:00:00:00:00:00' ? undefined : m;
}
