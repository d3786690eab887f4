/**
 * Addresses and MACs written in flow logs, checked and put in the form model/ uses. (Address text from
 * bytes or words: ingest/decode/address-text.ts.)
 */

import { parseIpv4, parseIpv6 } from '../../model/index.js';

const ipv6Scratch = new Uint32Array(4);

/**
 * An address written in a log, checked by the model rule (model/ip-address.ts, strict like `inet_pton`)
 * and lower-cased; undefined when it is not one (or carries a `%zone`), and the reader counts the record.
 */
export function ipFromText(text: string): string | undefined {
  if (parseIpv4(text) >= 0) return text;
  if (text.indexOf('%') >= 0 || !parseIpv6(text, ipv6Scratch)) return undefined;
  return text.toLowerCase();
}

const MAC_RE = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/;

/** A MAC in any common notation → lower-case colon form; undefined otherwise or all-zero. */
export function macFromText(text: string): string | undefined {
  if (!MAC_RE.test(text)) return undefined;
  const m = text.toLowerCase().replace(/-/g, ':');
  return m === '00:00:00:00:00:00' ? undefined : m;
}
