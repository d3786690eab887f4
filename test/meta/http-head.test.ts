import { describe, expect, it } from 'vitest';
import { FlowFeeder } from './inspect-helpers.js';

const crlf = (lines: string[]): Buffer => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');

describe('HTTP, RTSP, SSDP request heads', () => {
  it('reads method, path, Host and User-Agent of an HTTP request split over segments', () => {
    const req = crlf([
      'GET /ISAPI/System/deviceInfo HTTP/1.1',
      'host: cam.example',
      'User-Agent: curl/8.0',
      'Accept: */*',
    ]);
    const f = new FlowFeeder(6, 51000, 8000);
    f.send(true, req.subarray(0, 12)).send(true, req.subarray(12, 40)).send(true, req.subarray(40));
    f.send(false, Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
    expect(f.flow()).toMatchObject({
      appProto: 'http',
      httpMethod: 'GET',
      httpPath: '/ISAPI/System/deviceInfo',
      httpHost: 'cam.example',
      httpUserAgent: 'curl/8.0',
    });
    expect(f.open).toBe(false);
  });

  it('reads the UPnP SOAP action of a port-mapping request', () => {
    const req = crlf([
      'POST /upnp/control/WANIPConn1 HTTP/1.1',
      'HOST: 192.168.1.1:49152',
      'CONTENT-TYPE: text/xml; charset="utf-8"',
      'SOAPACTION: "urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping"',
    ]);
    const f = new FlowFeeder(6, 51001, 49152).send(true, req);
    expect(f.flow()).toMatchObject({
      httpMethod: 'POST',
      soapAction: 'AddPortMapping',
      httpHost: '192.168.1.1:49152',
    });
  });

  it('reads an RTSP request: method, URL path, host from the URL', () => {
    const req = crlf([
      'DESCRIBE rtsp://admin@10.0.0.5:554/Streaming/Channels/101 RTSP/1.0',
      'CSeq: 2',
      'User-Agent: NVR',
    ]);
    const f = new FlowFeeder(6, 51002, 554).send(true, req);
    expect(f.flow()).toMatchObject({
      appProto: 'rtsp',
      httpMethod: 'DESCRIBE',
      httpPath: '/Streaming/Channels/101',
      httpHost: '10.0.0.5:554',
      httpUserAgent: 'NVR',
    });
  });

  it('keeps the proxy target of an absolute-form request', () => {
    const f = new FlowFeeder(6, 51003, 3128).send(true, crlf(['GET http://example.org/a?b=1 HTTP/1.0']));
    expect(f.flow()).toMatchObject({ httpMethod: 'GET', httpHost: 'example.org', httpPath: '/a?b=1' });
  });

  it('reads SSDP M-SEARCH and NOTIFY (start line and ST/NT)', () => {
    const search = new FlowFeeder(17, 50000, 1900).send(
      true,
      crlf([
        'M-SEARCH * HTTP/1.1',
        'HOST: 239.255.255.250:1900',
        'MAN: "ssdp:discover"',
        'MX: 1',
        'ST: ssdp:all',
      ]),
    );
    expect(search.flow()).toMatchObject({
      appProto: 'ssdp',
      ssdp: 'M-SEARCH ssdp:all',
      httpHost: '239.255.255.250:1900',
    });
    const notify = new FlowFeeder(17, 1900, 1900).send(
      true,
      crlf([
        'NOTIFY * HTTP/1.1',
        'NT: upnp:rootdevice',
        'NTS: ssdp:alive',
        'LOCATION: http://10.0.0.5:49152/rootDesc.xml',
      ]),
    );
    expect(notify.flow().ssdp).toBe('NOTIFY upnp:rootdevice');
  });

  it('survives absurd lines: no line end, huge line, bare LF, no spaces', () => {
    const huge = new FlowFeeder(6, 51004, 80).send(true, Buffer.from(`GET /${'a'.repeat(9000)}`));
    expect(huge.flow().httpPath).toBeUndefined();
    const lf = new FlowFeeder(6, 51005, 80).send(true, Buffer.from('GET / HTTP/1.1\nHost: x\n\n'));
    expect(lf.flow()).toMatchObject({ httpHost: 'x', httpPath: '/' });
    const bad = new FlowFeeder(17, 50001, 1900).send(true, Buffer.from('NOTIFYXXXXXXXXXXXX\r\n\r\n'));
    expect(bad.problems.count('http-bad-request-line')).toBe(1);
    const long = new FlowFeeder(6, 51006, 80).send(
      true,
      crlf(['GET / HTTP/1.1', `User-Agent: ${'u'.repeat(3000)}`]),
    );
    expect(long.flow().httpUserAgent).toHaveLength(512);
  });
});

describe('header values from the wire are safe to print', () => {
  it('shows control characters in a User-Agent as \\xHH (ESC, and C1 CSI in UTF-8), bad UTF-8 as U+FFFD', () => {
    const ua = Buffer.concat([
      Buffer.from('GET / HTTP/1.1\r\nUser-Agent: a\x1b[31mb'),
      Buffer.from([0xc2, 0x9b, 0x9b]),
      Buffer.from('c\r\n\r\n'),
    ]);
    const f = new FlowFeeder(6, 51010, 80).send(true, ua);
    expect(f.flow().httpUserAgent).toBe('a\\x1b[31mb\\x9b\ufffdc');
  });
});
