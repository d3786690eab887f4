/**
 * Child process of the kill -9 and lock tests.
 *   ingest DATA_DIR BATCH_ROWS FILE…   ingest, printing `progress FILE FLOWS` per reader batch
 *   hold DATA_DIR                      open the store, print `ready`, wait to be killed
 *   stdin DATA_DIR                     ingest `-` (a pipe), print each result as JSON
 */
import { runIngest } from '../../ingest/pipeline/index.js';
import { openStore } from '../../store/index.js';

const [mode, dataDir, ...rest] = process.argv.slice(2);
const store = await openStore({ dataDir });
if (mode === 'hold') {
  process.stdout.write(`ready ${process.pid}\n`);
  setInterval(() => {}, 1000);
} else if (mode === 'stdin') {
  for (const r of await runIngest(['-'], { store })) process.stdout.write(`${JSON.stringify(r)}\n`);
  await store.close();
} else {
  const [batchRows, ...files] = rest;
  await runIngest(files, {
    store,
    batchRows: Number(batchRows),
    onProgress: (p) => process.stdout.write(`progress ${p.file} ${p.flows}\n`),
  });
  await store.close();
  process.stdout.write('done\n');
}
