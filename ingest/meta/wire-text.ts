/**
 * Text from wire bytes, safe to print and store. Names and headers come from anyone on the network,
 * and a DNS label or a User-Agent may carry ESC and other control characters that a terminal would
 * obey when `camwatch flows` prints a table. ASCII text is kept as it is (the common case: one string,
 * nothing else); other bytes are read as UTF-8 (mDNS names, RFC 6762 §16, and most headers are), with
 * invalid sequences as U+FFFD, as tshark shows them. C0/C1 controls and DEL become `\xHH`.
 */

const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const hexEscape = (c: string): string => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** `s` with control characters shown as \xHH. */
export function escapeControls(s: string): string {
  CONTROLS.lastIndex = 0;
  return CONTROLS.test(s) ? s.replace(CONTROLS, hexEscape) : s;
}

export function wireText(buf: Buffer, s: number, e: number): string {
  let i = s;
  while (i < e) {
    const b = buf[i];
    if (b < 0x20 || b >= 0x7f) break;
    i++;
  }
  if (i === e) return buf.toString('latin1', s, e);
  return escapeControls(buf.toString('utf8', s, e));
}
