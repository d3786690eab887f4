import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { awsVpcReader } from '../../ingest/flowlogs/cloud/aws-vpc-reader.js';
import { azureNsgReader, gcpVpcReader } from '../../ingest/flowlogs/cloud/azure-gcp-readers.js';
import { genericCsvReader } from '../../ingest/flowlogs/generic-csv/generic-csv-reader.js';
import { netflowFileReader, netflowPcapReader } from '../../ingest/flowlogs/netflow/netflow-readers.js';
import { nfdumpCsvReader, nfdumpJsonReader } from '../../ingest/flowlogs/nfdump/nfdump-reader.js';
import { zeekReader } from '../../ingest/flowlogs/zeek/zeek-reader.js';
import type { FormatReader } from '../../ingest/reader.js';
import { CamwatchError } from '../../model/index.js';
import { DATA, ROOT } from '../helpers/paths.js';

const fixture = (p: string): string => resolve(ROOT, 'test/fixtures/flowlogs', p);

import { bytesInput, readWith } from './read-all.js';

/**
 * Every flow-log parser, fed random bytes and mutated real files, ends and throws nothing but a
 * CamwatchError (bad records are counted, not thrown). CAMWATCH_FUZZ_RUNS raises the budget in CI.
 */
const RUNS = Number(process.env.CAMWATCH_FUZZ_RUNS ?? 60);

interface Case {
  reader: FormatReader;
  seeds: string[];
  options?: Record<string, unknown>;
}

const CASES: Case[] = [
  {
    reader: zeekReader,
    seeds: ['flowlogs/zeek/tsv/rita-proxy/conn.log', 'flowlogs/zeek/json/rita-json-all-fields/conn.log'],
  },
  { reader: nfdumpCsvReader, seeds: ['flowlogs/nfdump/slips-test1-malicious.nfdump-1.7.1-o-csv.csv'] },
  { reader: nfdumpJsonReader, seeds: [fixture('nfdump/slips-100.json')] },
  {
    reader: netflowFileReader,
    seeds: [
      'flowlogs/ipfix-file/ipfixcol2-example_flows.ipfix',
      'flowlogs/netflow/udp-payload/logstash-netflow9_test_cisco_asa_1_tpl.dat',
      'flowlogs/netflow/udp-payload/logstash-ipfix_test_yaf_tpls_option_tpl.dat',
      'flowlogs/netflow/udp-payload/logstash-netflow5.dat',
    ],
  },
  {
    reader: netflowPcapReader,
    seeds: [fixture('netflow/softflowd-iphone-v9.pcap'), fixture('netflow/softflowd-iphone-v10.pcap')],
  },
  {
    reader: awsVpcReader,
    seeds: [
      'flowlogs/aws-vpc/integrations-ecs-samples.log',
      'flowlogs/aws-vpc/beats-tcp-flag-sequence-v3-custom-with-header.log',
    ],
  },
  { reader: azureNsgReader, seeds: [fixture('cloud/azure-nsg-v2.json')] },
  { reader: gcpVpcReader, seeds: [fixture('cloud/gcp-vpc-flows.jsonl')] },
  {
    reader: genericCsvReader,
    seeds: [fixture('generic-csv/firewall-traffic.csv')],
    options: { 'generic-csv': { mapping: fixture('generic-csv/firewall-traffic.csv.camwatch.yaml') } },
  },
];

async function survives(
  reader: FormatReader,
  bytes: Buffer,
  options: Record<string, unknown> = {},
): Promise<void> {
  try {
    const input = await bytesInput(bytes, 'fuzz', 1 + (bytes.length % 977));
    await readWith(reader, input, options);
  } catch (err) {
    if (!(err instanceof CamwatchError)) throw err;
  }
}

/** Byte-level mutations of a seed: flips, deletions, duplications, truncation. */
const mutation = (seed: Buffer) =>
  fc
    .array(
      fc.record({
        at: fc.nat({ max: Math.max(0, seed.length - 1) }),
        op: fc.constantFrom('flip', 'cut', 'dup', 'zero', 'nl', 'sep'),
        len: fc.integer({ min: 1, max: 64 }),
        v: fc.integer({ min: 0, max: 255 }),
      }),
      { maxLength: 8 },
    )
    .map((ops) => {
      let b = Buffer.from(seed);
      for (const o of ops) {
        const at = Math.min(o.at, Math.max(0, b.length - 1));
        if (o.op === 'flip') b[at] = o.v;
        else if (o.op === 'cut') b = Buffer.concat([b.subarray(0, at), b.subarray(at + o.len)]);
        else if (o.op === 'dup') b = Buffer.concat([b.subarray(0, at + o.len), b.subarray(at)]);
        else if (o.op === 'zero') b.fill(0, at, Math.min(b.length, at + o.len));
        else if (o.op === 'nl') b[at] = 0x0a;
        else b[at] = o.v % 2 ? 0x09 : 0x2c;
      }
      return b;
    });

describe('flow-log parsers survive random and mutated input', () => {
  for (const c of CASES) {
    it(`${c.reader.format}: random bytes`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (a) => {
          await survives(c.reader, Buffer.from(a), c.options);
        }),
        { numRuns: RUNS },
      );
    });
    for (const s of c.seeds) {
      const seed = readFileSync(resolve(DATA, s)).subarray(0, 16_384);
      it(`${c.reader.format}: mutated ${s}`, async () => {
        await fc.assert(
          fc.asyncProperty(mutation(seed), async (b) => {
            await survives(c.reader, b, c.options);
          }),
          { numRuns: RUNS },
        );
      });
    }
  }
});
