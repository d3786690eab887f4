/**
 * Writes a Zeek conn.log (TSV, standard header) of N camera flows from the store bench's synthetic
 * fleet (2 000 cameras, 600 public peers, RTSP/DNS/NTP/TLS), sorted by start within each 10 000
 * lines: the input for timing `camwatch ingest` end to end on traffic shaped like a camera VLAN's
 * (flowlogs-gen.ts makes every line a new address, a parser's worst case but no camera network).
 *   node dist/bench/camera-conn-log.js <out.log> [flows=2000000]
 */
import { createWriteStream } from 'node:fs';
import { SyntheticFlows } from './store-synthetic-flows.js';

const [out, nText] = process.argv.slice(2);
if (!out) {
  process.stderr.write('usage: camera-conn-log <out.log> [flows]\n');
  process.exit(2);
}
const n = Number(nText ?? 2_000_000);
const DAY = Date.UTC(2026, 10, 26);
const CHUNK = 10_000;

const ws = createWriteStream(out);
const row = (...cols: Array<string | number>): string => `${cols.join('\t')}\n`;
ws.write(
  '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-11-26-00-00-00\n' +
    row(
      '#fields',
      ...'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents'.split(
        ' ',
      ),
    ) +
    row(
      '#types',
      ...'time string addr port addr port enum string interval count count string bool bool count string count count count count set[string]'.split(
        ' ',
      ),
    ),
);
const gen = new SyntheticFlows(2000, 600, 42);
let uid = 0;
for (let done = 0; done < n; done += CHUNK) {
  const flows = gen.batch(Math.min(CHUNK, n - done), DAY).sort((a, b) => a.start - b.start);
  let text = '';
  for (const f of flows) {
    text += row(
      (f.start / 1000).toFixed(6),
      `C${(uid++).toString(36)}`,
      f.origIp,
      f.origPort,
      f.respIp,
      f.respPort,
      f.proto === 6 ? 'tcp' : 'udp',
      f.appProto === 'tls' ? 'ssl' : (f.appProto ?? '-'),
      ((f.end - f.start) / 1000).toFixed(6),
      f.origBytes,
      f.respBytes,
      'SF',
      'T',
      'F',
      0,
      'ShADadFf',
      f.origPackets,
      f.origBytes + 40 * f.origPackets,
      f.respPackets,
      f.respBytes + 40 * f.respPackets,
      '-',
    );
  }
  if (!ws.write(text)) await new Promise<void>((ok) => ws.once('drain', () => ok()));
}
ws.end('#close\t2026-11-27-00-00-00\n');
