import { ICMP4_PAIRS, ICMP6_PAIRS } from '../flow/community-id.js';
import {
  ETHERTYPE_8021AD,
  ETHERTYPE_8021Q,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_PPPOE_SESSION,
  ETHERTYPE_QINQ_OLD,
  LINKTYPE,
} from './numbers.js';

/** What `decode` made of a packet. */
export const Decoded = {
  /** An IP packet; addresses are set, ports when the transport header was there. */
  Ip: 0,
  /** Not IP (ARP, LLDP, STP…): counted, no flow. */
  NotIp: 1,
  /** The link type is one camwatch does not decode: counted by type. */
  UnknownLink: 2,
  /** An IP packet too short to carry its addresses: counted as malformed, no flow. */
  Unaddressable: 3,
  /** Cut short inside the link-layer header, so not known to be IP: counted as malformed, no flow. */
  LinkTruncated: 4,
} as const;
export type Decoded = (typeof Decoded)[keyof typeof Decoded];

/** Why an IP packet is marked malformed although it still lands in a flow. */
export const Malformed = {
  None: 0,
  TransportTruncated: 1,
  IpHeaderBad: 2,
  ExtensionTruncated: 3,
} as const;
export type Malformed = (typeof Malformed)[keyof typeof Malformed];
export const MALFORMED_REASON = [
  '',
  'transport-header-truncated',
  'ip-header-bad',
  'ipv6-extension-truncated',
] as const;

const IPPROTO_HOPOPTS = 0;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ROUTING = 43;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_AH = 51;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_DSTOPTS = 60;
const IPPROTO_SCTP = 132;

/**
 * Decodes link → IP → transport headers in place. One instance is reused for every packet: `decode`
 * overwrites every field, allocates nothing and never throws; the fields are valid until the next
 * call. Offsets point into the buffer passed to `decode`.
 */
export class PacketDecoder {
  /**
   * Capture time in ms, set by the caller (kept here so it travels unboxed, see PacketSink.time).
   * Starts as a non-integer so V8 gives the field its double representation from the first packet:
   * a field that starts as a small integer and later holds a double changes the object's map, and
   * every optimised function that saw the old map deoptimises.
   */
  tsMs = Number.NaN;
  // link
  /** Outermost 802.1Q VLAN id, 0 when untagged. */
  vlan = 0;
  /** Offset of the Ethernet destination MAC, -1 when the link has none. */
  macOff = -1;
  // network
  ipVersion = 0;
  /**
   * IPv4: src0 holds the address, src1..3 are 0. IPv6: four big-endian 32-bit words. Signed (`| 0`,
   * readInt32BE), so every word is a V8 small integer: an unsigned word above 2^31 would be a boxed
   * double, and the first such address would deoptimise the decoder and its callers. Consumers store
   * them into Uint32Array keys (which wraps them back) or use `>>>`.
   */
  src0 = 0;
  src1 = 0;
  src2 = 0;
  src3 = 0;
  dst0 = 0;
  dst1 = 0;
  dst2 = 0;
  dst3 = 0;
  /** Transport protocol number after IPv6 extension headers. */
  proto = 0;
  /** Bytes of the IP packet as its header declares (IPv4 total length, IPv6 payload length + 40). */
  ipLen = 0;
  /** Fragment offset in bytes (0 for the first fragment or an unfragmented packet). */
  fragOffset = 0;
  moreFragments = false;
  /** IPv4 identification or IPv6 fragment identification. */
  fragId = 0;
  // transport
  /** False when the packet is a non-first fragment or the transport header was cut short. */
  hasPorts = false;
  srcPort = 0;
  dstPort = 0;
  /** TCP flags byte (FIN 0x01 … CWR 0x80), 0 for other protocols. */
  tcpFlags = 0;
  /** ICMP: true when the type has no reply counterpart (the flow is one-way by nature). */
  icmpOneWay = false;
  payloadOff = 0;
  payloadLen = 0;
  malformed: Malformed = Malformed.None;

  decode(linkType: number, buf: Buffer, off: number, len: number): Decoded {
    this.vlan = 0;
    this.macOff = -1;
    this.ipVersion = 0;
    this.malformed = Malformed.None;
    this.hasPorts = false;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.icmpOneWay = false;
    this.payloadOff = 0;
    this.payloadLen = 0;
    const end = off + len;
    switch (linkType) {
      case LINKTYPE.ETHERNET:
        return this.ethernet(buf, off, end);
      case LINKTYPE.RAW:
      case LINKTYPE.RAW_OPENBSD:
      case LINKTYPE.RAW_DLT:
        return this.ipByVersion(buf, off, end);
      case LINKTYPE.IPV4:
        return this.ipv4(buf, off, end);
      case LINKTYPE.IPV6:
        return this.ipv6(buf, off, end);
      case LINKTYPE.LINUX_SLL:
        if (len < 16) return Decoded.LinkTruncated;
        return this.etherType((buf[off + 14] << 8) | buf[off + 15], buf, off + 16, end);
      case LINKTYPE.LINUX_SLL2:
        if (len < 20) return Decoded.LinkTruncated;
        return this.etherType((buf[off] << 8) | buf[off + 1], buf, off + 20, end);
      case LINKTYPE.NULL:
      case LINKTYPE.LOOP:
        return this.nullLink(linkType, buf, off, end);
      case LINKTYPE.PPP:
        return this.ppp(buf, off, end);
      case LINKTYPE.NFLOG:
        return this.nflog(buf, off, end);
      case LINKTYPE.PKTAP:
      case LINKTYPE.PKTAP_APPLE:
        return this.pktap(buf, off, end);
      default:
        return Decoded.UnknownLink;
    }
  }

  private ethernet(buf: Buffer, off: number, end: number): Decoded {
    if (end - off < 14) return Decoded.LinkTruncated;
    this.macOff = off;
    let type = (buf[off + 12] << 8) | buf[off + 13];
    let o = off + 14;
    // 802.1Q / 802.1ad / old QinQ tags, any depth; the outermost id is the one kept.
    while (type === ETHERTYPE_8021Q || type === ETHERTYPE_8021AD || type === ETHERTYPE_QINQ_OLD) {
      if (end - o < 4) return Decoded.LinkTruncated;
      if (this.vlan === 0) this.vlan = ((buf[o] << 8) | buf[o + 1]) & 0x0fff;
      type = (buf[o + 2] << 8) | buf[o + 3];
      o += 4;
    }
    return this.etherType(type, buf, o, end);
  }

  private etherType(type: number, buf: Buffer, o: number, end: number): Decoded {
    if (type === ETHERTYPE_IPV4) return this.ipv4(buf, o, end);
    if (type === ETHERTYPE_IPV6) return this.ipv6(buf, o, end);
    if (type === ETHERTYPE_PPPOE_SESSION) {
      if (end - o < 8) return Decoded.NotIp;
      return this.pppProtocol((buf[o + 6] << 8) | buf[o + 7], buf, o + 8, end);
    }
    return Decoded.NotIp;
  }

  /** BSD loopback: a 4-byte address family in the writer's byte order (NULL) or network order (LOOP). */
  private nullLink(linkType: number, buf: Buffer, off: number, end: number): Decoded {
    if (end - off < 4) return Decoded.LinkTruncated;
    let af = buf.readUInt32BE(off);
    if (linkType === LINKTYPE.NULL && af > 0xffff) af = buf.readUInt32LE(off);
    if (af === 2) return this.ipv4(buf, off + 4, end);
    if (af === 24 || af === 28 || af === 30 || af === 10) return this.ipv6(buf, off + 4, end);
    return Decoded.NotIp;
  }

  private ppp(buf: Buffer, off: number, end: number): Decoded {
    let o = off;
    if (end - o >= 2 && buf[o] === 0xff && buf[o + 1] === 0x03) o += 2; // HDLC address/control
    if (end - o < 2) return Decoded.LinkTruncated;
    // Protocol field compression: a 1-byte protocol has its low bit set.
    if (buf[o] & 1) return this.pppProtocol(buf[o], buf, o + 1, end);
    return this.pppProtocol((buf[o] << 8) | buf[o + 1], buf, o + 2, end);
  }

  private pppProtocol(proto: number, buf: Buffer, o: number, end: number): Decoded {
    if (proto === 0x0021) return this.ipv4(buf, o, end);
    if (proto === 0x0057) return this.ipv6(buf, o, end);
    return Decoded.NotIp;
  }

  /** Linux NFLOG: a 4-byte header then TLVs (host byte order, little-endian here); type 9 is the packet. */
  private nflog(buf: Buffer, off: number, end: number): Decoded {
    if (end - off < 4) return Decoded.LinkTruncated;
    const family = buf[off];
    let o = off + 4;
    while (end - o >= 4) {
      const tlvLen = buf[o] | (buf[o + 1] << 8);
      const tlvType = buf[o + 2] | (buf[o + 3] << 8);
      if (tlvLen < 4) return Decoded.LinkTruncated;
      if (tlvType === 9) {
        const pEnd = Math.min(end, o + tlvLen);
        return family === 10 ? this.ipv6(buf, o + 4, pEnd) : this.ipByVersion(buf, o + 4, pEnd);
      }
      o += (tlvLen + 3) & ~3;
    }
    return Decoded.NotIp;
  }

  /** Apple PKTAP: a little-endian header whose length is at 0 and inner link type at 8. */
  private pktap(buf: Buffer, off: number, end: number): Decoded {
    if (end - off < 12) return Decoded.LinkTruncated;
    const headerLen = buf.readUInt32LE(off);
    const inner = buf.readUInt32LE(off + 8);
    if (
      headerLen < 12 ||
      headerLen > end - off ||
      inner === LINKTYPE.PKTAP ||
      inner === LINKTYPE.PKTAP_APPLE
    ) {
      return Decoded.LinkTruncated;
    }
    return this.decode(inner, buf, off + headerLen, end - off - headerLen);
  }

  private ipByVersion(buf: Buffer, o: number, end: number): Decoded {
    if (end - o < 1) return Decoded.LinkTruncated;
    const v = buf[o] >> 4;
    if (v === 4) return this.ipv4(buf, o, end);
    if (v === 6) return this.ipv6(buf, o, end);
    return Decoded.NotIp;
  }

  /** RFC 791. */
  private ipv4(buf: Buffer, o: number, end: number): Decoded {
    if (end - o < 20) return Decoded.Unaddressable;
    this.ipVersion = 4;
    this.src0 = (buf[o + 12] << 24) | (buf[o + 13] << 16) | (buf[o + 14] << 8) | buf[o + 15];
    this.dst0 = (buf[o + 16] << 24) | (buf[o + 17] << 16) | (buf[o + 18] << 8) | buf[o + 19];
    this.src1 = this.src2 = this.src3 = this.dst1 = this.dst2 = this.dst3 = 0;
    const ihl = (buf[o] & 0x0f) * 4;
    let totalLength = (buf[o + 2] << 8) | buf[o + 3];
    // A zero total length comes from TCP segmentation offload on the capturing host: the packet is
    // what was captured (Wireshark presumes the same).
    if (totalLength === 0) totalLength = end - o;
    this.ipLen = totalLength;
    this.proto = buf[o + 9];
    const fragField = (buf[o + 6] << 8) | buf[o + 7];
    this.fragOffset = (fragField & 0x1fff) * 8;
    this.moreFragments = (fragField & 0x2000) !== 0;
    this.fragId = (buf[o + 4] << 8) | buf[o + 5];
    if (buf[o] >> 4 !== 4 || ihl < 20 || totalLength < ihl) {
      this.malformed = Malformed.IpHeaderBad;
      return Decoded.Ip;
    }
    if (this.fragOffset !== 0) return Decoded.Ip;
    // A truncated capture (snaplen) ends before the IP packet does; trailer padding lies past it.
    const ipEnd = Math.min(end, o + totalLength);
    return this.transport(buf, o + ihl, ipEnd);
  }

  /** RFC 8200 with its extension headers. */
  private ipv6(buf: Buffer, o: number, end: number): Decoded {
    if (end - o < 40) return Decoded.Unaddressable;
    this.ipVersion = 6;
    this.src0 = buf.readInt32BE(o + 8);
    this.src1 = buf.readInt32BE(o + 12);
    this.src2 = buf.readInt32BE(o + 16);
    this.src3 = buf.readInt32BE(o + 20);
    this.dst0 = buf.readInt32BE(o + 24);
    this.dst1 = buf.readInt32BE(o + 28);
    this.dst2 = buf.readInt32BE(o + 32);
    this.dst3 = buf.readInt32BE(o + 36);
    const payloadLength = (buf[o + 4] << 8) | buf[o + 5];
    this.ipLen = payloadLength + 40;
    this.fragOffset = 0;
    this.moreFragments = false;
    this.fragId = 0;
    const ipEnd = Math.min(end, o + 40 + payloadLength);
    let next = buf[o + 6];
    let p = o + 40;
    for (;;) {
      this.proto = next;
      if (next === IPPROTO_HOPOPTS || next === IPPROTO_ROUTING || next === IPPROTO_DSTOPTS) {
        if (ipEnd - p < 8) return this.extTruncated();
        next = buf[p];
        p += (buf[p + 1] + 1) * 8;
      } else if (next === IPPROTO_AH) {
        if (ipEnd - p < 8) return this.extTruncated();
        next = buf[p];
        p += (buf[p + 1] + 2) * 4;
      } else if (next === IPPROTO_FRAGMENT) {
        if (ipEnd - p < 8) return this.extTruncated();
        next = buf[p];
        const f = (buf[p + 2] << 8) | buf[p + 3];
        this.fragOffset = f & 0xfff8;
        this.moreFragments = (f & 1) !== 0;
        this.fragId = buf.readInt32BE(p + 4);
        p += 8;
        if (this.fragOffset !== 0) {
          this.proto = next;
          return Decoded.Ip;
        }
      } else {
        break;
      }
    }
    return this.transport(buf, p, ipEnd);
  }

  private extTruncated(): Decoded {
    this.malformed = Malformed.ExtensionTruncated;
    return Decoded.Ip;
  }

  private transport(buf: Buffer, o: number, end: number): Decoded {
    const avail = end - o;
    switch (this.proto) {
      case IPPROTO_TCP: {
        if (avail < 14) break;
        this.srcPort = (buf[o] << 8) | buf[o + 1];
        this.dstPort = (buf[o + 2] << 8) | buf[o + 3];
        this.tcpFlags = buf[o + 13];
        this.hasPorts = true;
        const dataOffset = (buf[o + 12] >> 4) * 4;
        if (dataOffset < 20 || avail < dataOffset) {
          this.malformed = Malformed.TransportTruncated;
          return Decoded.Ip;
        }
        this.payloadOff = o + dataOffset;
        this.payloadLen = avail - dataOffset;
        return Decoded.Ip;
      }
      case IPPROTO_UDP:
      case IPPROTO_SCTP: {
        if (avail < 8) break;
        this.srcPort = (buf[o] << 8) | buf[o + 1];
        this.dstPort = (buf[o + 2] << 8) | buf[o + 3];
        this.hasPorts = true;
        this.payloadOff = o + 8;
        this.payloadLen = avail - 8;
        return Decoded.Ip;
      }
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6: {
        if (avail < 2) break;
        const type = buf[o];
        const pair = (this.proto === IPPROTO_ICMP ? ICMP4_PAIRS : ICMP6_PAIRS)[type];
        // Community ID port equivalents: type as source port, counterpart type (or code) as destination.
        this.srcPort = type;
        this.dstPort = pair >= 0 ? pair : buf[o + 1];
        this.icmpOneWay = pair < 0;
        this.hasPorts = true;
        this.payloadOff = o + 4;
        this.payloadLen = Math.max(0, avail - 4);
        return Decoded.Ip;
      }
      default:
        return Decoded.Ip;
    }
    this.malformed = Malformed.TransportTruncated;
    return Decoded.Ip;
  }
}
