import { afterEach, describe, expect, it } from 'vitest';
import { FLOW_FIELDS, type Flow } from '../../model/index.js';
import { countFlows, readFlows, type Store, writeFlows } from '../../store/index.js';
import { BACKENDS, fullFlow, minimalFlow, type TestStoreHandle, testStore } from './store-helpers.js';

describe.each(BACKENDS)('flows round trip (%s)', (kind) => {
  let h: TestStoreHandle | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    await h?.cleanup();
    store = undefined;
    h = undefined;
  });

  it('stores and reads back every Flow field, and absent ones as absent', async () => {
    h = testStore(kind);
    store = await h.open();
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
});
