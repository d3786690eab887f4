/**
 * Writes small classic pcap files for scenario tests, laid out as the formats' specifications say
 * (pcap: draft-ietf-opsawg-pcap; Ethernet II; IPv4 RFC 791; TCP RFC 9293; UDP RFC 768). Checksums
 * are left zero: camwatch does not verify them.
 */
export interface TestPacket {
  /** Seconds since the epoch (fractional allowed). */
  t: number;
  src: string;
  dst: string;
  proto: 'tcp' | 'udp';
  sport: number;
  dport: number;
  /** TCP flags as letters: S (SYN), A (ACK), F (FIN), R (RST), P (PSH). */
  flags?: string;
  payload?: number;
  vlan?: number;
}

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10 };

function ipv4(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

export function packetBytes(p: TestPacket): Buffer {
  const l4len = p.proto === 'tcp' ? 20 : 8;
  const payload = Buffer.alloc(p.payload ?? 0, 0x61);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + l4len + payload.length, 2);
  ip[8] = 64;
  ip[9] = p.proto === 'tcp' ? 6 : 17;
  ipv4(p.src).copy(ip, 12);
  ipv4(p.dst).copy(ip, 16);
  const l4 = Buffer.alloc(l4len);
  l4.writeUInt16BE(p.sport, 0);
  l4.writeUInt16BE(p.dport, 2);
  if (p.proto === 'tcp') {
    l4[12] = 5 << 4;
    l4[13] = [...(p.flags ?? 'A')].reduce((a, c) => a | FLAG_BITS[c], 0);
  } else {
    l4.writeUInt16BE(8 + payload.length, 4);
  }
  const eth = Buffer.alloc(p.vlan ? 18 : 14);
  Buffer.from([2, 0, 0, 0, 0, 2]).copy(eth, 0);
  Buffer.from([2, 0, 0, 0, 0, 1]).copy(eth, 6);
  if (p.vlan) {
    eth.writeUInt16BE(0x8100, 12);
    eth.writeUInt16BE(p.vlan, 14);
    eth.writeUInt16BE(0x0800, 16);
  } else {
    eth.writeUInt16BE(0x0800, 12);
  }
  return Buffer.concat([eth, ip, l4, payload]);
}

export function pcapFile(packets: TestPacket[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20); // Ethernet
  const parts: Buffer[] = [head];
  for (const p of packets) {
    const data = packetBytes(p);
    const rec = Buffer.alloc(16);
    const sec = Math.floor(p.t);
    rec.writeUInt32LE(sec, 0);
    rec.writeUInt32LE(Math.round((p.t - sec) * 1e6), 4);
    rec.writeUInt32LE(data.length, 8);
    rec.writeUInt32LE(data.length, 12);
    parts.push(rec, data);
  }
  return Buffer.concat(parts);
}
