/**
 * Registry numbers the decoders dispatch on.
 * Link types: https://www.tcpdump.org/linktypes.html. EtherTypes: IEEE 802 numbers (IANA).
 */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  /** DLT_RAW as written by most platforms. */
  RAW_DLT: 12,
  /** DLT_RAW on OpenBSD. */
  RAW_OPENBSD: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  NFLOG: 239,
  /** Apple's PKTAP as written by macOS tcpdump (DLT_USER2), and its registered number. */
  PKTAP_APPLE: 149,
  PKTAP: 258,
  LINUX_SLL2: 276,
} as const;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_8021Q = 0x8100;
export const ETHERTYPE_8021AD = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;
