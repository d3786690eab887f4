import { describe, expect, it } from 'vitest';
import { clientInitialKeys, QUIC_V1, QUIC_V2 } from '../../ingest/meta/quic.js';
import { data } from '../helpers/paths.js';
import { readCaptureWithMeta } from './read-capture.js';

describe('QUIC Initial keys', () => {
  // RFC 9001 Appendix A.1 (v1) and RFC 9369 Appendix A.1 (v2): DCID 0x8394c8f03e515708
  const dcid = Buffer.from('8394c8f03e515708', 'hex');
  it('derives the RFC 9001 A.1 client keys for QUIC v1', () => {
    const k = clientInitialKeys(QUIC_V1, dcid)!;
    expect(k.key.toString('hex')).toBe('1f369613dd76d5467730efcbe3b1a22d');
    expect(k.iv.toString('hex')).toBe('fa044b2f42a3fd3b46fb255c');
    expect(k.hp.toString('hex')).toBe('9f50449e04a0e810283a1e9933adedd2');
  });
  it('derives the RFC 9369 A.1 client keys for QUIC v2', () => {
    const k = clientInitialKeys(QUIC_V2, dcid)!;
    expect(k.key.toString('hex')).toBe('8b1a0bc121284290a29e0971b5cd045d');
    expect(k.iv.toString('hex')).toBe('91f73e2351d8fa91660e909f');
    expect(k.hp.toString('hex')).toBe('45b95e15235d6f45a6b19cbcb0294ba9');
  });
  it('knows no keys for unknown versions', () => {
    expect(clientInitialKeys(0x51303530, dcid)).toBeNull();
  });
});

describe('QUIC ClientHello from captures', () => {
  // suricata-verify tests/ja4-quic/test.yaml: all 11 flows have JA4 q13d0310h3_55b375c5d22e_cd85d2d88918
  it('matches the suricata-verify JA4 vector on every flow of ja4-quic', async () => {
    const r = await readCaptureWithMeta(data('pcap/quic/suricata-ja4-quic.pcap'));
    const quic = r.flows.filter((f) => f.appProto === 'quic');
    expect(quic).toHaveLength(11);
    for (const f of quic) expect(f.ja4).toBe('q13d0310h3_55b375c5d22e_cd85d2d88918');
  });
  it('decrypts a QUIC v2 Initial (RFC 9369) and a ClientHello spread over several Initials', async () => {
    const v2 = await readCaptureWithMeta(data('pcap/quic/zeek-quicv2-http3-443.pcap'));
    expect(v2.flows[0]).toMatchObject({ appProto: 'quic', tlsAlpn: ['h3'], tlsVersion: 'TLSv1.3' });
    const chrome = await readCaptureWithMeta(data('pcap/quic/zeek-chromium-115-api-cirrus-com.pcap'));
    expect(chrome.flows[0]).toMatchObject({ appProto: 'quic', tlsSni: 'api.cirrus-ci.com' });
    expect(chrome.flows[0].ja4).toMatch(/^q13d\d{4}h3_[0-9a-f]{12}_[0-9a-f]{12}$/);
  });
  it('counts gQUIC as QUIC without names', async () => {
    const r = await readCaptureWithMeta(data('pcap/quic/tcpdump-gquic.pcap'));
    expect(r.flows[0].appProto).toBe('quic');
    expect(r.flows[0].tlsSni).toBeUndefined();
  });
});
