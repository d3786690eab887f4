/** Address text from bytes: dotted IPv4 and RFC 5952 IPv6 (the form model/ asks for). */

export function ipv4Text(buf: Uint8Array, o: number): string {
  return `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}`;
}

/** RFC 5952 §4: lower-case hex, no leading zeros, the longest run (≥2) of zero groups as `::`. */
export function ipv6Text(buf: Uint8Array, o: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (buf[o + 2 * i] << 8) | buf[o + 2 * i + 1];
  // IPv4-mapped ::ffff:a.b.c.d is written with the dotted tail (RFC 5952 §5).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4Text(buf, o + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += g[i].toString(16);
  }
  return out;
}

export function macText(buf: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const b = buf[o + i];
    s += (i ? ':' : '') + (b < 16 ? '0' : '') + b.toString(16);
  }
  return s;
}

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
