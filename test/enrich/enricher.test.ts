import { describe, expect, it } from 'vitest';
import {
  addEvidence,
  type DiscoveredCamera,
  recogniseCameras,
} from '../../ingest/enrich/camera-discovery.js';
import { hostWithoutPort } from '../../ingest/enrich/device-side.js';
import { createEnricher } from '../../ingest/enrich/enricher.js';
import type { Flow } from '../../model/flow-fields.js';
import { data } from '../helpers/paths.js';

const geo = {
  geoDb: data('mmdb/test-data/GeoIP2-City-Test.mmdb'),
  asnDb: data('mmdb/test-data/GeoLite2-ASN-Test.mmdb'),
  openData: false,
  cacheDir: false,
} as const;

function flow(p: Partial<Flow>): Flow {
  return {
    start: 0,
    end: 1,
    proto: 6,
    origIp: '10.0.0.5',
    origPort: 50000,
    respIp: '89.160.20.112',
    respPort: 443,
    origPackets: 1,
    origBytes: 60,
    respPackets: 1,
    respBytes: 60,
    sourceFormat: 'test',
    ...p,
  } as Flow;
}

describe('enricher: device and peer sides', () => {
  const e = createEnricher({ geo });

  it('camera to a public peer: device orig, peer resp with geo, ASN and SNI name', () => {
    const f = flow({ tlsSni: 'Cloud.Example.COM', origMac: '44:19:b6:01:02:03' });
    e.enrich(f);
    expect(f).toMatchObject({
      deviceSide: 'orig',
      deviceIp: '10.0.0.5',
      deviceVendor: 'Hikvision',
      peerIp: '89.160.20.112',
      peerPort: 443,
      peerClass: 'public',
      peerCountry: 'SE',
      peerCity: 'Linköping',
      peerAsn: 29518,
      peerAsOrg: 'Bredband2 AB',
      peerName: 'cloud.example.com',
      peerNameSource: 'sni',
    });
  });

  it('inbound to the camera: device resp; names in the flow are the device, not the peer', () => {
    const f = flow({
      origIp: '81.2.69.142',
      origPort: 40000,
      respIp: '192.168.1.64',
      respPort: 80,
      httpHost: '192.168.1.64',
    });
    e.enrich(f);
    expect(f).toMatchObject({
      deviceSide: 'resp',
      deviceIp: '192.168.1.64',
      peerIp: '81.2.69.142',
      peerPort: 40000,
    });
    expect(f.peerCountry).toBe('GB');
    expect(f.peerName).toBeUndefined();
  });

  it('camera to camera is both; public to public is none', () => {
    const both = flow({ respIp: '10.0.0.6', respPort: 554, httpHost: 'cam6:554' });
    e.enrich(both);
    expect(both).toMatchObject({
      deviceSide: 'both',
      deviceIp: '10.0.0.5',
      peerIp: '10.0.0.6',
      peerClass: 'private',
    });
    expect(both).toMatchObject({ peerName: 'cam6', peerNameSource: 'http' });
    expect(both.peerCountry).toBeUndefined();
    const none = flow({ origIp: '8.8.8.8', respIp: '1.1.1.1' });
    e.enrich(none);
    expect(none.deviceSide).toBe('none');
    expect(none.peerIp).toBeUndefined();
  });

  it('peer names: QUIC, Host, passive DNS, DNS query, in that order', () => {
    const q = flow({ proto: 17, tlsSni: 'a.example', appProto: 'quic' });
    e.enrich(q);
    expect(q).toMatchObject({ peerName: 'a.example', peerNameSource: 'quic' });
    const d = flow({ proto: 17, respIp: '8.8.8.8', respPort: 53, dnsQuery: 'Hik-Connect.com' });
    e.enrich(d);
    expect(d).toMatchObject({
      peerName: 'hik-connect.com',
      peerNameSource: 'dns-query',
      peerClass: 'public',
    });
    const withPdns = createEnricher({
      geo,
      nameForPeer: (ip) => (ip === '89.160.20.112' ? 'p2p.example' : undefined),
    });
    const p = flow({});
    withPdns.enrich(p);
    expect(p).toMatchObject({ peerName: 'p2p.example', peerNameSource: 'dns' });
    expect(hostWithoutPort('Example.com:8080')).toBe('example.com');
    expect(hostWithoutPort('[2001:db8::1]:80')).toBe('2001:db8::1');
    expect(hostWithoutPort('2001:db8::1')).toBe('2001:db8::1');
  });

  it('inventory names, sites and vendors; garbage never throws', () => {
    const inv = createEnricher({
      geo,
      inventory: {
        sites: [{ name: 'hq', cameras: ['10.1.0.0/16'], nvrs: ['10.1.0.2'] }],
        cameras: [{ ip: '10.1.0.21', name: 'lobby', vendor: 'Axis' }],
      },
    });
    const f = flow({ origIp: '10.1.0.21', origMac: '44:19:b6:01:02:03' });
    inv.enrich(f);
    expect(f).toMatchObject({
      deviceSide: 'orig',
      deviceName: 'lobby',
      deviceSite: 'hq',
      deviceVendor: 'Axis',
    });
    const toNvr = flow({ origIp: '10.1.0.30', respIp: '10.1.0.2', respPort: 8000 });
    inv.enrich(toNvr);
    expect(toNvr).toMatchObject({
      deviceSide: 'orig',
      deviceSite: 'hq',
      peerIp: '10.1.0.2',
      peerClass: 'private',
    });
    const notListed = flow({ origIp: '192.168.1.1' });
    inv.enrich(notListed);
    expect(notListed.deviceSide).toBe('none');
    const junk = flow({ origIp: 'junk', respIp: undefined as unknown as string });
    expect(() => inv.enrich(junk)).not.toThrow();
    expect(junk.deviceSide).toBe('none');
    expect(inv.describe('junk')).toMatchObject({ class: 'unknown', watched: false });
    expect(inv.describe('::ffff:10.1.0.21')).toMatchObject({
      ip: '10.1.0.21',
      class: 'private',
      watched: true,
    });
  });

  it('caches per address: a million flows over a few peers cost a few lookups', () => {
    const c = createEnricher({ geo });
    for (let i = 0; i < 10_000; i++) c.enrich(flow({ respIp: `89.160.20.${112 + (i % 8)}` }));
    expect(c.stats.flows).toBe(10_000);
    expect(c.stats.addressCacheMisses).toBe(9);
  });
});

describe('camera discovery from traffic', () => {
  it('RTSP, ONVIF, WS-Discovery, vendor ports, NVR pulls and OUIs', () => {
    const known = new Map<string, DiscoveredCamera>();
    const rtsp = recogniseCameras(flow({ origIp: '10.0.0.2', respIp: '10.0.0.9', respPort: 554 }));
    expect(rtsp).toEqual([
      expect.objectContaining({ ip: '10.0.0.9', how: 'rtsp-server', strength: 'strong' }),
    ]);
    expect(addEvidence(known, rtsp)).toBe(true);
    expect(addEvidence(known, rtsp)).toBe(false);
    expect(known.get('10.0.0.9')?.camera).toBe(true);

    const onvif = recogniseCameras(
      flow({ origIp: '10.0.0.2', respIp: '10.0.0.10', respPort: 80, httpPath: '/onvif/device_service' }),
    );
    expect(onvif.map((e) => e.how)).toEqual(['onvif-server']);
    const soap = recogniseCameras(
      flow({
        origIp: '10.0.0.2',
        respIp: '10.0.0.11',
        respPort: 8080,
        soapAction: 'http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation',
      }),
    );
    expect(soap.map((e) => e.how)).toEqual(['onvif-server']);
    const upnp = recogniseCameras(
      flow({
        origIp: '10.0.0.2',
        respIp: '10.0.0.1',
        respPort: 80,
        soapAction: 'urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping',
      }),
    );
    expect(upnp).toEqual([]); // a router's UPnP is not a camera

    const ws = recogniseCameras(
      flow({ proto: 17, origIp: '10.0.0.12', origPort: 3702, respIp: '10.0.0.2', respPort: 50000 }),
    );
    expect(ws.map((e) => [e.ip, e.how])).toEqual([['10.0.0.12', 'ws-discovery']]);

    const dahua = recogniseCameras(flow({ origIp: '10.0.0.2', respIp: '10.0.0.13', respPort: 37777 }));
    expect(dahua).toEqual([expect.objectContaining({ how: 'vendor-service', vendor: 'Dahua' })]);

    const nvr = recogniseCameras(flow({ origIp: '10.0.0.2', respIp: '10.0.0.14', respPort: 443 }), {
      isNvr: (ip) => ip === '10.0.0.2',
    });
    expect(nvr.map((e) => e.how)).toEqual(['serves-nvr']);

    const oui = recogniseCameras(flow({ origMac: '00:40:8c:00:00:01', respMac: '00:00:b4:00:00:01' }));
    expect(oui).toEqual([
      expect.objectContaining({ ip: '10.0.0.5', how: 'camera-oui', vendor: 'Axis', strength: 'strong' }),
    ]);
    const mixed = recogniseCameras(flow({ origMac: '00:00:b4:00:00:01' }));
    expect(mixed).toEqual([
      expect.objectContaining({ how: 'vendor-oui', vendor: 'Edimax', strength: 'weak' }),
    ]);
  });

  it('no answer, no server; public hosts are not candidates', () => {
    expect(
      recogniseCameras(flow({ origIp: '10.0.0.2', respIp: '10.0.0.9', respPort: 554, respPackets: 0 })),
    ).toEqual([]);
    expect(recogniseCameras(flow({ origIp: '10.0.0.2', respIp: '81.2.69.142', respPort: 554 }))).toEqual([]);
    expect(recogniseCameras({} as Flow)).toEqual([]);
  });
});
