import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCidrTable, parseCidr } from '../../ingest/enrich/cidr-table.js';
import { createInventory, loadInventory } from '../../ingest/enrich/inventory.js';
import { parseAddress } from '../../ingest/enrich/ip-address.js';

const addr = (s: string) => parseAddress(s)!;

describe('CIDR table: most specific block wins', () => {
  const t = createCidrTable(
    [
      '10.0.0.0/8',
      '10.1.0.0/16',
      '10.1.2.0/24',
      '10.1.2.7',
      '10.3.0.0/16',
      '2001:db8::/32',
      '2001:db8:1::/48',
    ].map((c) => ({ cidr: parseCidr(c)!, value: c })),
  );
  it.each([
    ['10.0.0.1', '10.0.0.0/8'],
    ['10.1.0.0', '10.1.0.0/16'],
    ['10.1.2.6', '10.1.2.0/24'],
    ['10.1.2.7', '10.1.2.7'],
    ['10.1.2.8', '10.1.2.0/24'],
    ['10.1.3.0', '10.1.0.0/16'],
    ['10.2.0.0', '10.0.0.0/8'],
    ['10.3.255.255', '10.3.0.0/16'],
    ['10.255.255.255', '10.0.0.0/8'],
    ['11.0.0.0', undefined],
    ['9.255.255.255', undefined],
    ['2001:db8:1::5', '2001:db8:1::/48'],
    ['2001:db8:2::5', '2001:db8::/32'],
    ['2001:db9::', undefined],
  ])('%s → %s', (ip, want) => {
    expect(t.lookup(addr(ip))).toBe(want);
  });
  it('rejects invalid blocks', () => {
    for (const s of ['10.0.0.0/33', 'x/8', '', '1.2.3']) expect(parseCidr(s)).toBeUndefined();
  });
});

describe('inventory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-inv-'));
  writeFileSync(
    join(dir, 'cameras.csv'),
    [
      '# site cameras',
      'IP,MAC,Name,Vendor,Model,Site',
      '10.10.1.21,44:19:B6:00:00:01,lobby,Hikvision,DS-2CD2143,hq',
      '10.10.1.22,,car park,,,',
      '10.20.0.5,,,Axis,P3245,',
    ].join('\n'),
  );
  const yamlFile = join(dir, 'inventory.yaml');
  writeFileSync(
    yamlFile,
    [
      'sites:',
      '  - name: hq',
      '    cameras: [10.10.0.0/16]',
      '    nvrs: [{ ip: 10.10.0.2, name: nvr-hq }]',
      '  - name: depot',
      '    cameras: [10.20.0.0/24, "fd00:20::/64"]',
      'infrastructure:',
      '  dns: [10.10.0.53]',
      '  ntp: [10.10.0.123]',
      '  gateways: [10.10.0.1]',
      'camerasCsv: cameras.csv',
    ].join('\n'),
  );

  it('sites, NVRs, infrastructure and the cameras CSV', () => {
    const inv = loadInventory(yamlFile);
    expect(inv.hasCameras).toBe(true);
    expect(inv.lookup('10.10.1.21')).toMatchObject({
      role: 'camera',
      name: 'lobby',
      vendor: 'Hikvision',
      model: 'DS-2CD2143',
      mac: '44:19:b6:00:00:01',
      site: 'hq',
    });
    expect(inv.lookup('10.10.1.22')).toMatchObject({ role: 'camera', name: 'car park', site: 'hq' }); // site from the network
    expect(inv.lookup('10.20.0.5')).toMatchObject({ vendor: 'Axis', site: 'depot' });
    expect(inv.lookup('10.10.9.9')).toMatchObject({ role: 'camera', cidr: '10.10.0.0/16', site: 'hq' });
    expect(inv.lookup('10.10.0.2')).toMatchObject({ role: 'nvr', name: 'nvr-hq', site: 'hq' });
    expect(inv.lookup('10.10.0.53')?.role).toBe('dns');
    expect(inv.lookup('fd00:20::9')).toMatchObject({ role: 'camera', site: 'depot' });
    expect(inv.lookup('192.168.1.1')).toBeUndefined();
    expect(inv.lookup('garbage')).toBeUndefined();
    expect(inv.isWatched(addr('10.10.1.21'))).toBe(true);
    expect(inv.isWatched(addr('10.10.77.1'))).toBe(true); // in a camera network
    expect(inv.isWatched(addr('10.10.0.2'))).toBe(false); // the NVR
    expect(inv.isWatched(addr('10.10.0.53'))).toBe(false); // DNS
    expect(inv.isWatched(addr('192.168.1.1'))).toBe(false); // local, but cameras were listed
    expect(inv.isWatched(addr('8.8.8.8'))).toBe(false);
  });

  it('a cameras CSV alone is an inventory', () => {
    const inv = loadInventory(join(dir, 'cameras.csv'));
    expect(inv.lookup('10.10.1.21')?.name).toBe('lobby');
    expect(inv.isWatched(addr('10.10.1.22'))).toBe(true);
    expect(inv.isWatched(addr('10.10.1.23'))).toBe(false);
  });

  it('no inventory: every private and unique-local address is watched', () => {
    const inv = createInventory();
    for (const ip of ['10.0.0.1', '172.16.0.1', '192.168.1.1', 'fd12::1'])
      expect(inv.isWatched(addr(ip))).toBe(true);
    for (const ip of [
      '8.8.8.8',
      '100.64.0.1',
      '169.254.1.1',
      '127.0.0.1',
      '224.0.0.251',
      'fe80::1',
      '2606:4700::1',
    ]) {
      expect(inv.isWatched(addr(ip))).toBe(false);
    }
  });

  it('devices narrows the watched set; NVRs and infrastructure are never watched', () => {
    const inv = createInventory({
      devices: ['192.168.1.0/24'],
      nvrs: ['192.168.1.2'],
      infrastructure: { dns: ['192.168.1.53'] },
    });
    expect(inv.isWatched(addr('192.168.1.10'))).toBe(true);
    expect(inv.isWatched(addr('192.168.2.10'))).toBe(false);
    expect(inv.isWatched(addr('192.168.1.2'))).toBe(false);
    expect(inv.isWatched(addr('192.168.1.53'))).toBe(false);
    const withSites = createInventory({
      sites: [{ name: 'a', cameras: ['10.0.0.0/8'] }],
      devices: ['10.1.0.0/16'],
    });
    expect(withSites.isWatched(addr('10.1.2.3'))).toBe(true);
    expect(withSites.isWatched(addr('10.2.2.3'))).toBe(false);
  });

  it('bad values are ConfigErrors naming the file and place', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'sites:\n  - name: x\n    cameras: [10.0.0.0/40]\n');
    expect(() => loadInventory(bad)).toThrow(
      /bad\.yaml: sites\[0\]\.cameras\[0\]: invalid address or CIDR "10\.0\.0\.0\/40"/,
    );
    const badCsv = join(dir, 'bad.csv');
    writeFileSync(badCsv, 'ip,name\n10.0.0.1,a\nnot-an-ip,b\n');
    expect(() => loadInventory(badCsv)).toThrow(/bad\.csv: line 3: camera row: invalid address/);
    const noIp = join(dir, 'noip.csv');
    writeFileSync(noIp, 'name\ncam\n');
    expect(() => loadInventory(noIp)).toThrow(/noip\.csv: line 2: camera row: no "ip"/);
    expect(() => createInventory({ sitez: [] } as never)).toThrow(/unknown key "sitez"/);
    expect(() => loadInventory(join(dir, 'missing.yaml'))).toThrow(
      expect.objectContaining({ code: 'CW_ERR_CONFIG_INVALID' }),
    );
    expect(() => createInventory({ cameras: [{ ip: '10.0.0.1', mac: 'zz' }] })).toThrow(/invalid MAC/);
  });
});
