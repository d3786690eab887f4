import { describe, expect, it } from 'vitest';
import { ja4 } from '../../ingest/meta/index.js';
import { hex } from './hex.js';
import { FlowFeeder } from './inspect-helpers.js';

// ClientHello: 5-byte record header + 4-byte handshake header + 99-byte body
const HELLO_BODY = hex(`
  0303                                   // legacy_version TLS 1.2
  ${'00'.repeat(32)}                     // random
  00                                     // session id: empty
  0006 0a0a 1301 c02f                    // cipher suites: GREASE, TLS_AES_128_GCM_SHA256, ECDHE_RSA_AES_128_GCM_SHA256
  01 00                                  // compression methods: null
  0034                                   // extensions, 52 bytes:
  0a0a 0000                              //   GREASE, empty
  0000 0010 000e 00 000b 'example.com'   //   server_name: host_name "example.com"
  0010 0005 0003 02 'h2'                 //   ALPN: "h2"
  002b 0005 04 0a0a 0304                 //   supported_versions: GREASE, TLS 1.3
  000d 0006 0004 0403 0804               //   signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256
`);
const HELLO_HS = Buffer.concat([hex('01 000063'), HELLO_BODY]); // ClientHello, 99 bytes
const HELLO = Buffer.concat([hex('16 0301 0067'), HELLO_HS]); // handshake record, TLS 1.0 record version, 103 bytes
// JA4 by hand: t, 13 (supported_versions), d (SNI), 02 ciphers, 04 extensions (GREASE ignored), h2;
// b = sha256("1301,c02f")[:12]; c = sha256("000d,002b_0403,0804")[:12] (SNI and ALPN left out of c)
const HELLO_JA4 = 't13d0204h2_c1929292aa6b_ef5f37ab036a';

// ServerHello (TLS 1.2) and Certificate in one record
const CERT_DER = hex(`
  30 3d                                        // Certificate
    30 3b                                      //   tbsCertificate
      a0 03 02 01 02                           //     [0] version v3
      02 01 01                                 //     serialNumber 1
      30 03 06 01 00                           //     signature AlgorithmIdentifier (dummy)
      30 12 31 10 30 0e 06 03 550403 0c 07 'Test CA'      // issuer: CN=Test CA (UTF8String)
      30 00                                    //     validity (empty)
      30 16 31 14 30 12 06 03 550403 13 0b 'cam.example'  // subject: CN=cam.example (PrintableString)
`);
const SERVER_FLIGHT = Buffer.concat([
  hex(`16 0303 0075                            // handshake record, 117 bytes
       02 000028 0303 ${'11'.repeat(32)} 00 c02f 00 0000  // ServerHello TLS 1.2, cipher c02f, no extensions
       0b 000045 000042 00003f                 // Certificate: list of 66 bytes, first cert of 63 bytes`),
  CERT_DER,
]);

describe('TLS', () => {
  it('reads SNI, ALPN, version and JA4 from a ClientHello in one segment', () => {
    const f = new FlowFeeder(6, 50000, 443).send(true, HELLO);
    expect(f.flow()).toMatchObject({
      appProto: 'tls',
      tlsSni: 'example.com',
      tlsAlpn: ['h2'],
      tlsVersion: 'TLSv1.3',
      ja4: HELLO_JA4,
    });
  });

  it('reads a ClientHello split over two TCP segments, on any port', () => {
    const f = new FlowFeeder(6, 50000, 8883);
    f.send(true, HELLO.subarray(0, 37));
    expect(f.meta.tlsSni).toBe('');
    f.send(true, HELLO.subarray(37));
    expect(f.flow()).toMatchObject({ tlsSni: 'example.com', ja4: HELLO_JA4 });
  });

  it('skips a retransmitted first segment of a split ClientHello', () => {
    const f = new FlowFeeder(6, 50000, 443);
    f.send(true, HELLO.subarray(0, 37)).send(true, HELLO.subarray(0, 37)).send(true, HELLO.subarray(37));
    expect(f.flow()).toMatchObject({ tlsSni: 'example.com', ja4: HELLO_JA4 });
  });

  it('keeps SNI but gives no JA4 for a ClientHello whose extensions overrun it', () => {
    const bad = Buffer.from(HELLO);
    bad.writeUInt16BE(0x0040, 9 + 2 + 32 + 1 + 8 + 2); // extensions length 64 > the 52 present
    const f = new FlowFeeder(6, 50000, 443).send(true, bad);
    expect(f.flow()).toMatchObject({ tlsSni: 'example.com', tlsAlpn: ['h2'] });
    expect(f.flow().ja4).toBeUndefined();
    expect(f.problems.count('tls-bad-client-hello')).toBe(1);
  });

  it('reads a ClientHello split over two TLS records in three segments', () => {
    const rec1 = Buffer.concat([hex('16 0301 0028'), HELLO_HS.subarray(0, 40)]);
    const rec2 = Buffer.concat([hex('16 0301 003f'), HELLO_HS.subarray(40)]);
    const stream = Buffer.concat([rec1, rec2]);
    const f = new FlowFeeder(6, 50000, 443);
    f.send(true, stream.subarray(0, 10)).send(true, stream.subarray(10, 60)).send(true, stream.subarray(60));
    expect(f.flow()).toMatchObject({ tlsSni: 'example.com', tlsAlpn: ['h2'], ja4: HELLO_JA4 });
  });

  it('reads the TLS 1.2 server certificate subject and issuer CN, also split', () => {
    const f = new FlowFeeder(6, 50000, 443).send(true, HELLO);
    f.send(false, SERVER_FLIGHT.subarray(0, 70)).send(false, SERVER_FLIGHT.subarray(70));
    expect(f.flow()).toMatchObject({ tlsCertSubject: 'cam.example', tlsCertIssuer: 'Test CA' });
    expect(f.open).toBe(false); // both directions done
  });

  it('gives up on a ClientHello larger than the budget without throwing', () => {
    const f = new FlowFeeder(6, 50000, 443, 64);
    f.send(true, HELLO.subarray(0, 50)).send(true, HELLO.subarray(50));
    expect(f.meta.ja4).toBe('');
    expect(f.meta.origState).toBe(1);
  });

  it('counts a garbage record after a handshake record start', () => {
    const f = new FlowFeeder(6, 50000, 443);
    f.send(true, Buffer.concat([hex('16 0301 0004 01 00ffff'), hex('99 0301 0004 00000000')]));
    expect(f.problems.count('tls-bad-record')).toBe(1);
  });
});

describe('JA4', () => {
  // Published: browserleaks output for Chrome 143 (ja4 with its ja4_r raw form), SNI and ALPN
  // counted in a but absent from the raw c list.
  it('matches the published Chrome 143 vector', () => {
    const ciphers = [
      0x002f, 0x0035, 0x009c, 0x009d, 0x1301, 0x1302, 0x1303, 0xc013, 0xc014, 0xc02b, 0xc02c, 0xc02f, 0xc030,
      0xcca8, 0xcca9,
    ];
    const exts = [
      0x0005, 0x000a, 0x000b, 0x000d, 0x0012, 0x0017, 0x001b, 0x0023, 0x002b, 0x002d, 0x0033, 0x44cd, 0xfe0d,
      0xff01, 0x0000, 0x0010,
    ];
    const sig = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
    expect(ja4('t', 0x0304, true, ciphers, exts, sig, 'h2')).toBe('t13d1516h2_8daaf6152771_d8a2da3f94cd');
  });

  it('uses 000000000000 for empty lists and caps counts at 99', () => {
    expect(ja4('t', 0x0303, false, [], [], [], '00')).toBe('t12i000000_000000000000_000000000000');
    const many = Array.from({ length: 150 }, (_, i) => i + 1);
    expect(ja4('q', 0x0304, false, many, many, [], '00').slice(0, 10)).toBe('q13i999900');
  });
});
