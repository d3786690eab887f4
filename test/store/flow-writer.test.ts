import { describe, expect, it } from 'vitest';
import type { Flow } from '../../model/index.js';
import { countFlows, FlowWriter, readFlows, type Store } from '../../store/index.js';
import { fullFlow, minimalFlow, storePerTest } from './store-helpers.js';

const batch = (from: number, n: number): Flow[] =>
  Array.from({ length: n }, (_, i) => (i % 2 ? fullFlow(from + i) : minimalFlow(from + i)));

describe('FlowWriter', () => {
  const stores = storePerTest('chdb');
  let store: Store | undefined;

  it('gathers batches while an insert runs, and acknowledges rows only once stored', async () => {
    store = await stores.open();
    await store.command('SYSTEM STOP MERGES flows'); // one part per insert, to count them
    const writer = new FlowWriter(store, { minInsertRows: 1, maxInsertRows: 1000 });
    // The first batch goes at once; the engine answers only between event-loop turns, so the
    // next ones gather until the block reaches 1000 rows, then wait for the insert before it.
    for (let i = 0; i < 10; i++) await writer.write(batch(i * 300, 300));
    expect(writer.rowsQueued).toBe(3000);
    expect(writer.rowsWritten).toBeLessThan(3000);
    await writer.flush();
    expect(writer.rowsWritten).toBe(3000);
    expect(await countFlows(store)).toBe(3000);
    const parts = await store.rows<{ rows: string }>(
      "SELECT rows FROM system.parts WHERE table = 'flows' AND active ORDER BY modification_time, name",
    );
    // 300, then 4 x 300 gathered (1200 >= 1000), then 4 x 300 again, then the last 300 at flush
    expect(parts.map((p) => Number(p.rows)).sort((a, b) => a - b)).toEqual([300, 300, 1200, 1200]);
    const back = await readFlows(store);
    expect(new Set(back.map((f) => f.start)).size).toBe(3000);
  });

  it('gathers small batches into inserts of at least minInsertRows; flush sends the rest', async () => {
    store = await stores.open();
    await store.command('SYSTEM STOP MERGES flows');
    const writer = new FlowWriter(store, { minInsertRows: 1000 });
    // 300, 600, 900 wait; 1200 goes; the next 1800 gather while that insert runs (the engine
    // answers only between event-loop turns), and go at flush.
    for (let i = 0; i < 10; i++) await writer.write(batch(i * 300, 300));
    expect(writer.rowsQueued).toBe(3000);
    expect(writer.rowsWritten).toBe(0);
    await writer.flush();
    expect(writer.rowsWritten).toBe(3000);
    const parts = await store.rows<{ rows: string }>(
      "SELECT rows FROM system.parts WHERE table = 'flows' AND active",
    );
    expect(parts.map((p) => Number(p.rows)).sort((a, b) => a - b)).toEqual([1200, 1800]);
  });

  it('leaves out unstorable flows when told whom to tell, and stores the rest', async () => {
    store = await stores.open();
    const rejected: string[] = [];
    const writer = new FlowWriter(store, {
      onReject: (f, reason) => rejected.push(`${f.sourceRecord}: ${reason}`),
    });
    const flows = batch(0, 5);
    flows[2] = { ...flows[2], respIp: '10.0.0.300' };
    await writer.write(flows);
    await writer.flush();
    expect(rejected).toEqual([`${flows[2].sourceRecord}: not an IP address: '10.0.0.300'`]);
    expect(writer.rowsQueued).toBe(4);
    expect(writer.rowsWritten).toBe(4);
    expect(await countFlows(store)).toBe(4);
  });
});
