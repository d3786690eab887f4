import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { vendorForMac } from '../../ingest/enrich/vendor-oui.js';
import { data, ROOT } from '../helpers/paths.js';

describe('vendorForMac', () => {
  it('knows the big camera vendors in any notation', () => {
    expect(vendorForMac('00:40:8c:12:34:56')).toMatchObject({
      vendor: 'Axis',
      kind: 'camera',
      prefix: '00408C',
    });
    expect(vendorForMac('ac-cc-8e-00-00-01')?.vendor).toBe('Axis');
    expect(vendorForMac('ACCC.8E00.0001')?.vendor).toBe('Axis');
    expect(vendorForMac('00:09:18:aa:bb:cc')?.vendor).toBe('Hanwha Vision'); // Samsung Techwin
    expect(vendorForMac('00:03:c5:00:00:01')?.vendor).toBe('Mobotix');
  });
  it('mixed vendors are marked so', () => {
    expect(vendorForMac('00:00:b4:00:00:01')).toMatchObject({ vendor: 'Edimax', kind: 'mixed' });
  });
  it('other vendors, randomised and garbage MACs give nothing', () => {
    expect(vendorForMac('00:00:00:00:00:01')).toBeUndefined(); // Xerox
    expect(vendorForMac('02:40:8c:12:34:56')).toBeUndefined(); // locally administered
    for (const s of ['', 'zz:zz:zz:zz:zz:zz', '00:40:8c', undefined as unknown as string]) {
      expect(vendorForMac(s)).toBeUndefined();
    }
  });
  it("agrees with Wireshark's manuf file on the camera vendors' prefixes it lists", () => {
    // an independent source: every Hikvision/Dahua/Axis MA-L line in manuf maps to the same vendor
    const manuf = readFileSync(data('oui/wireshark-manuf'), 'utf8').split('\n');
    const want: Record<string, RegExp> = {
      Hikvision: /hikvision/i,
      Dahua: /zhejiang dahua technology/i,
      Axis: /^axis communications/i,
    };
    let checked = 0;
    for (const line of manuf) {
      const [prefix, , long] = line.split('\t');
      if (!prefix || !/^[0-9A-F]{2}(:[0-9A-F]{2}){2}$/i.test(prefix) || !long) continue;
      for (const [vendor, re] of Object.entries(want)) {
        if (re.test(long)) {
          expect(vendorForMac(`${prefix}:00:00:01`)?.vendor, line).toBe(vendor);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
  it('the generated table is up to date with its script', () => {
    expect(() =>
      execFileSync('node', ['scripts/build-camera-oui.mjs', '--check'], { cwd: ROOT }),
    ).not.toThrow();
  });
});
