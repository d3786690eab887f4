import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsVpcReader } from '../../ingest/flowlogs/cloud/aws-vpc-reader.js';
import { azureNsgReader, gcpVpcReader } from '../../ingest/flowlogs/cloud/azure-gcp-readers.js';
import { openInput } from '../../ingest/input/open-input.js';
import { data, ROOT } from '../helpers/paths.js';
import { readFile } from './read-all.js';

const fixture = (p: string): string => resolve(ROOT, 'test/fixtures/flowlogs', p);
const aws = (p: string): string => data(`flowlogs/aws-vpc/${p}`);

describe('AWS VPC flow logs', () => {
  it('reads the v2 default layout with its header line', async () => {
    const r = await readFile(awsVpcReader, aws('beats-accept-reject-traffic-v2-with-header.log'));
    // 2 123456789010 eni-… 78.24.182.42 158.109.0.1 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK
    expect(r.flows[0]).toMatchObject({
      origIp: '78.24.182.42',
      respIp: '158.109.0.1',
      origPort: 20641,
      respPort: 22,
      proto: 6,
      origPackets: 20,
      origBytes: 4249,
      start: 1418530010000,
      end: 1418530070000,
      sourceFormat: 'aws-vpc',
      sourceRecord: 2,
    });
    expect(r.flows).toHaveLength(4);
  });

  it('reads headerless v2 (IPv6), v5 (29 fields), v8/ECS and Transit Gateway records by position', async () => {
    const v6 = await readFile(awsVpcReader, aws('beats-ipv6-v2.log'));
    expect(v6.flows[0]).toMatchObject({ origIp: '2001:db8:1234:a100:8d6e:3477:df66:f105', origBytes: 8855 });
    const v5 = await readFile(awsVpcReader, aws('integrations-v5-all-fields.log'));
    // pkt-dstaddr 10.200.0.80 replaces dstaddr 10.200.0.0; tcp-flags 1 is ignored for UDP.
    expect(v5.flows[0]).toMatchObject({
      origIp: '89.160.20.156',
      respIp: '10.200.0.80',
      proto: 17,
      respPort: 33004,
    });
    const ecs = await readFile(awsVpcReader, aws('integrations-ecs-samples.log'));
    expect(ecs.flows.length + ecs.ctx.stats.counters.awsNoDataRecords).toBe(ecs.ctx.stats.records);
    expect(ecs.flows[0]).toMatchObject({ origIp: '1.128.0.0', respIp: '2a02:cf40::', respPort: 22 });
    const tgw = await readFile(awsVpcReader, aws('integrations-tgw-samples.log'));
    expect(tgw.flows.find((f) => f.origIp === '216.160.83.56')).toMatchObject({
      respIp: '89.160.20.128',
      respPort: 8080,
      proto: 17,
      origPackets: 13,
      origBytes: 6842,
    });
  });

  it('counts NODATA/SKIPDATA records instead of inventing flows', async () => {
    const r = await readFile(awsVpcReader, aws('beats-no-data-skip-data-v2.log'));
    expect(r.flows).toHaveLength(0);
    expect(r.ctx.stats.counters.awsNoDataRecords).toBe(2);
    expect(r.ctx.stats.problems.total).toBe(0);
  });

  it('reads custom layouts by header (NAT gateway pkt-* addresses, v3 tcp-flags)', async () => {
    const nat = await readFile(awsVpcReader, aws('beats-custom-nat-gateway-with-header.log'));
    // No start/protocol columns in that layout: nothing a Flow can be made of, each row counted.
    expect(nat.flows).toHaveLength(0);
    expect(nat.ctx.stats.problems.count('aws-vpc-bad-value')).toBe(nat.ctx.stats.records);
    const v3 = await readFile(awsVpcReader, aws('beats-tcp-flag-sequence-v3-custom-with-header.log'));
    expect(v3.flows[0]).toMatchObject({
      origIp: '52.213.180.42',
      respPort: 5001,
      tcpFlags: 2,
      origBytes: 568,
    });
  });

  it('needs the format string for a headerless custom layout, and takes it as an option', async () => {
    // The format string as AWS prints it: ${field} ${field} …
    const fields =
      'version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport protocol tcp-flags type pkt-srcaddr pkt-dstaddr action log-status'
        .split(' ')
        .map((n) => `\${${n}}`)
        .join(' ');
    const without = await readFile(awsVpcReader, aws('beats-custom-transit-gateway-no-header.log'));
    expect(without.flows).toHaveLength(0);
    expect(without.ctx.stats.problems.total).toBeGreaterThan(0);
    const withFields = await readFile(awsVpcReader, aws('beats-custom-transit-gateway-no-header.log'), {
      'aws-vpc': { fields },
    });
    // This layout has no start column either: the record cannot become a Flow, and says so.
    expect(withFields.ctx.stats.problems.summaries()[0].reason).toBe('aws-vpc-bad-value');
  });

  it('rejects a file that is not a flow log', async () => {
    const i = await openInput(aws('beats-bad.log'));
    expect(awsVpcReader.detect(i.head, i.name)).toBe(false);
  });
});

describe('Azure NSG flow logs v2', () => {
  it('turns every flow tuple into a flow, both directions counted, broken tuples reported', async () => {
    const i = await openInput(fixture('cloud/azure-nsg-v2.json'));
    expect(azureNsgReader.detect(i.head, i.name)).toBe(true);
    const r = await readFile(azureNsgReader, fixture('cloud/azure-nsg-v2.json'));
    expect(r.flows).toHaveLength(7);
    expect(r.flows[0]).toMatchObject({
      origIp: '94.102.49.190',
      respPort: 443,
      proto: 17,
      start: 1542110402000,
    });
    // "1542110379,10.5.16.4,13.67.143.115,44931,443,T,O,A,C,30,16978,24,14008"
    expect(r.flows[4]).toMatchObject({
      origIp: '10.5.16.4',
      respIp: '13.67.143.115',
      origPort: 44931,
      proto: 6,
      origPackets: 30,
      origBytes: 16978,
      respPackets: 24,
      respBytes: 14008,
      endReason: 'active',
      sourceFormat: 'azure-nsg',
    });
    expect(r.ctx.stats.problems.count('azure-bad-tuple')).toBe(1);
  });
});

describe('GCP VPC flow logs', () => {
  it('reads Cloud Logging entries (JSON lines) and counts entries that are not flows', async () => {
    const i = await openInput(fixture('cloud/gcp-vpc-flows.jsonl'));
    expect(gcpVpcReader.detect(i.head, i.name)).toBe(true);
    expect(azureNsgReader.detect(i.head, i.name)).toBe(false);
    const r = await readFile(gcpVpcReader, fixture('cloud/gcp-vpc-flows.jsonl'));
    expect(r.flows).toHaveLength(2);
    expect(r.flows[0]).toMatchObject({
      origIp: '203.0.113.10',
      origPort: 57010,
      respIp: '10.128.0.7',
      respPort: 443,
      proto: 6,
      origBytes: 1696,
      origPackets: 11,
      start: Date.parse('2024-03-01T10:15:01.128Z'),
      sourceFormat: 'gcp-vpc',
    });
    expect(r.ctx.stats.counters.gcpNonFlowEntries).toBe(1);
    expect(r.ctx.stats.problems.total).toBe(0);
  });
});
