import { describe, expect, it } from 'vitest';
import { FLOW_FIELDS, type Flow } from '../../model/index.js';
import { countFlows, readFlows, type Store, writeFlows } from '../../store/index.js';
import { BACKENDS, fullFlow, minimalFlow, storePerTest } from './store-helpers.js';

describe.each(BACKENDS)('flows round trip (%s)', (kind) => {
  const stores = storePerTest(kind);
  let store: Store | undefined;

  it('stores and reads back every Flow field, and absent ones as absent', async () => {
    store = await stores.open();
    const flows: Flow[] = [];
    for (let i = 0; i < 6; i++) flows.push(fullFlow(i));
    for (let i = 6; i < 9; i++) flows.push(minimalFlow(i));
    // the long-string path (LEB128 of more than one byte) and a 2^53 counter
    (flows[0] as Record<string, unknown>).httpUserAgent = 'x'.repeat(300) + 'é'.repeat(100);
    flows[1].origBytes = 2 ** 53 - 1;
    await writeFlows(store, flows);
    expect(await countFlows(store)).toBe(flows.length);
    const back = await readFlows(store);
    const key = (f: Flow) => `${f.start}|${f.origIp}`;
    const byKey = new Map(back.map((f) => [key(f), f]));
    for (const f of flows) expect(byKey.get(key(f))).toEqual(f);
    // every field was covered with a non-default value by at least one flow
    for (const field of FLOW_FIELDS) {
      expect(flows.some((f) => (f as Record<string, unknown>)[field.name] !== undefined)).toBe(true);
    }
  });

  it('gives the same result as compact rows (names once, arrays per row) as it does as objects', async () => {
    store = await stores.open();
    const flows: Flow[] = [];
    for (let i = 0; i < 5; i++) flows.push(fullFlow(i));
    await writeFlows(store, flows);
    const sql = `SELECT IPv6NumToString(orig_ip) AS ip, orig_bytes AS bytes, groupArray(proto) AS protos
      FROM flows GROUP BY ip, bytes ORDER BY ip, bytes`;
    const objects = await store.rows<Record<string, unknown>>(sql);
    const compact = await store.compactRows(sql);
    expect(compact.names).toEqual(['ip', 'bytes', 'protos']);
    expect(compact.rows.length).toBe(flows.length);
    expect(compact.rows.map((r) => Object.fromEntries(compact.names.map((n, i) => [n, r[i]])))).toEqual(
      objects,
    );
    // an empty result still names its columns
    const none = await store.compactRows(`${sql.replace('GROUP BY', 'WHERE proto = 255 GROUP BY')}`);
    expect(none).toEqual({ names: ['ip', 'bytes', 'protos'], rows: [] });
  });

  it('stores addresses in every text form and reads them back in canonical form', async () => {
    store = await stores.open();
    const cases: Array<[string, string]> = [
      ['0.0.0.0', '0.0.0.0'],
      ['255.255.255.255', '255.255.255.255'],
      ['::1', '::1'],
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:85a3:0000:0000:8a2e:0370:7334', '2001:db8:85a3::8a2e:370:7334'],
      ['::ffff:10.1.2.3', '10.1.2.3'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
      ['fe80::1%eth0', 'fe80::1'],
    ];
    const flows = cases.map(([ip], i) => ({ ...minimalFlow(i), origIp: ip }));
    await writeFlows(store, flows);
    const back = new Map((await readFlows(store)).map((f) => [f.start, f.origIp]));
    expect(flows.map((f) => back.get(f.start))).toEqual(cases.map(([, canon]) => canon));
  });

  it('refuses a flow whose address is not one, naming it', async () => {
    store = await stores.open();
    const bad = { ...minimalFlow(1), respIp: '10.0.0.300' };
    await expect(writeFlows(store, [bad])).rejects.toThrow(/not an IP address: '10.0.0.300'/);
    expect(await countFlows(store)).toBe(0);
  });
});
