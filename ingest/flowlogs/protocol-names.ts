/**
 * IANA protocol numbers by the names flow logs print (IANA "Assigned Internet Protocol Numbers";
 * Zeek writes `tcp`/`udp`/`icmp`, nfdump `TCP`/`UDP`/`ICMP6`, firewalls anything). Lower-case keys.
 */
export const IP_PROTO = {
  HOPOPT: 0,
  ICMP: 1,
  IGMP: 2,
  TCP: 6,
  UDP: 17,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  OSPF: 89,
  SCTP: 132,
} as const;

const BY_NAME: Record<string, number> = {
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipip: 4,
  ipv4: 4,
  tcp: 6,
  egp: 8,
  udp: 17,
  ipv6: 41,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  icmp6: 58,
  icmpv6: 58,
  'ipv6-icmp': 58,
  eigrp: 88,
  ospf: 89,
  ospfigp: 89,
  pim: 103,
  vrrp: 112,
  l2tp: 115,
  sctp: 132,
  udplite: 136,
};

/** The protocol number of a name or decimal string; -1 when unknown. */
export function protoNumber(text: string): number {
  const n = BY_NAME[text.toLowerCase()];
  if (n !== undefined) return n;
  if (/^\d{1,3}$/.test(text)) {
    const v = Number(text);
    return v <= 255 ? v : -1;
  }
  return -1;
}

/** TCP flag bits (RFC 9293 §3.1, RFC 3168 for ECE/CWR). */
export const TCP_FLAG = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
};

/**
 * nfdump's 8-character flag string (`...A.R..`, `CEUAPRSF` order) or a hex `0x1b` → bits; -1 if
 * neither.
 */
export function parseTcpFlagText(text: string): number {
  const t = text.trim();
  if (t.length === 8 && /^[.CEUAPRSF]{8}$/.test(t)) {
    let v = 0;
    for (let i = 0; i < 8; i++) if (t.charCodeAt(i) !== 0x2e) v |= 0x80 >> i;
    return v;
  }
  if (/^0x[0-9a-f]{1,2}$/i.test(t)) return Number.parseInt(t.slice(2), 16);
  if (/^\d{1,3}$/.test(t)) {
    const v = Number(t);
    return v <= 255 ? v : -1;
  }
  return -1;
}
