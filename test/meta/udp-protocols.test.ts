import { describe, expect, it } from 'vitest';
import { hex } from './hex.js';
import { FlowFeeder } from './inspect-helpers.js';

describe('NTP', () => {
  it('keeps the client mode, then stratum and refid of the reply', () => {
    const f = new FlowFeeder(17, 40123, 123);
    f.send(true, hex(`23 ${'00'.repeat(47)}`)); // LI 0, VN 4, mode 3 (client)
    f.send(false, hex(`24 02 06 e9 ${'00'.repeat(8)} c0000201 ${'00'.repeat(32)}`)); // mode 4, stratum 2, refid 192.0.2.1
    expect(f.flow()).toMatchObject({ appProto: 'ntp', ntpMode: 3 });
    expect([f.meta.ntpStratum, f.meta.ntpRefId]).toEqual([2, '192.0.2.1']);
    expect(f.open).toBe(false);
  });
  it('shows a stratum-1 source as text and recognises mode 7 (monlist) requests', () => {
    const s1 = new FlowFeeder(17, 123, 123).send(
      false,
      hex(`24 01 06 e9 ${'00'.repeat(8)} 'GPS' 00 ${'00'.repeat(32)}`),
    );
    expect(s1.meta.ntpRefId).toBe('GPS');
    const m7 = new FlowFeeder(17, 40124, 123).send(true, hex('17 00 03 2a 00000000')); // VN 2, mode 7, MON_GETLIST_1
    expect(m7.flow().ntpMode).toBe(7);
  });
});

describe('STUN/TURN', () => {
  const binding = hex(`
    0001 0000 2112a442 000102030405060708090a0b   // Binding request, no attributes, magic cookie, transaction id`);
  const success = hex(`
    0101 000c 2112a442 000102030405060708090a0b   // Binding success response, 12 bytes of attributes
    0020 0008 0001 e1f0 e1ba a543                 // XOR-MAPPED-ADDRESS`);
  const allocErr = hex(`0113 0000 2112a442 ${'00'.repeat(12)}`); // Allocate error response
  it('keeps the method-class pairs seen, on any port', () => {
    const f = new FlowFeeder(17, 50000, 34567);
    f.send(true, binding).send(false, success).send(true, binding).send(false, allocErr);
    expect(f.flow()).toMatchObject({
      appProto: 'stun',
      stun: 'binding-request,binding-success,allocate-error',
    });
  });
  it('reads classic RFC 3489 STUN (no cookie) when its attributes tile the message', () => {
    const classic = hex(`0001 0008 ${'ab'.repeat(16)} 0003 0004 00000000`); // Binding request, CHANGE-REQUEST
    expect(new FlowFeeder(17, 50001, 40000).send(true, classic).flow().stun).toBe('binding-request');
    const notClassic = hex(`0001 0008 ${'ab'.repeat(16)} 0003 0005 00000000`);
    expect(new FlowFeeder(17, 50002, 40000).send(true, notClassic).flow().appProto).toBeUndefined();
  });
});

describe('NAT-PMP and PCP', () => {
  it('keeps a NAT-PMP TCP mapping request with its internal port', () => {
    const f = new FlowFeeder(17, 50000, 5351).send(true, hex('00 02 0000 022a 022a 00001c20')); // map TCP 554 → 554, 2 h
    expect(f.meta.natpmp).toBe('map-tcp 554');
    expect(f.flow().appProto).toBe('natpmp');
  });
  it('keeps a PCP MAP request', () => {
    const req = hex(`
      02 01 0000 00001c20 ${'00'.repeat(10)}ffff c0a80005   // v2, MAP request, lifetime 7200, client ::ffff:192.168.0.5
      ${'11'.repeat(12)} 06 000000 1f90 1f90 ${'00'.repeat(16)} // nonce, TCP, internal 8080, suggested 8080`);
    const f = new FlowFeeder(17, 50001, 5351).send(true, req);
    expect(f.meta.natpmp).toBe('pcp-map-tcp 8080');
    expect(f.flow().appProto).toBe('pcp');
  });
});

describe('sniffing', () => {
  it('gives up after a few unknown payloads', () => {
    const f = new FlowFeeder(6, 50000, 9999);
    for (let i = 0; i < 4; i++) f.send(true, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(f.open).toBe(false);
    expect(f.flow()).toEqual({});
  });
  it('recognises a TLS ClientHello on port 80 and HTTP on a high port', () => {
    const f = new FlowFeeder(6, 50000, 80).send(true, hex('16 0301 0004 01 000000'));
    expect(f.meta.app).toBe(2);
    const h = new FlowFeeder(6, 50000, 31337).send(true, Buffer.from('OPTIONS * HTTP/1.1\r\n\r\n'));
    expect(h.flow().httpMethod).toBe('OPTIONS');
  });
});

describe('RTP/RTCP', () => {
  const rtp = (seq: number) =>
    hex(`80 60 ${seq.toString(16).padStart(4, '0')} 00002710 deadbeef 7c85 ${'00'.repeat(20)}`); // V2, PT 96, seq, ts, SSRC, FU-A
  it('recognises RTP on a negotiated port after two packets of one SSRC', () => {
    const f = new FlowFeeder(17, 50000, 50002);
    f.send(true, rtp(100));
    expect(f.meta.app).toBe(0);
    f.send(true, rtp(101));
    expect(f.flow().appProto).toBe('rtp');
    expect(f.open).toBe(false);
  });
  it('does not take random high bits for RTP, and knows an RTCP sender report at once', () => {
    const f = new FlowFeeder(17, 50000, 50002).send(true, rtp(100)).send(true, rtp(400));
    expect(f.flow().appProto).toBeUndefined();
    const sr = hex(`80 c8 0006 deadbeef ${'00'.repeat(20)}`); // V2, SR, length 6 words (28 bytes), SSRC
    expect(new FlowFeeder(17, 50001, 50003).send(true, sr).flow().appProto).toBe('rtp');
  });
});
