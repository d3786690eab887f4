import type { FormatReader } from '../reader.js';
import { awsVpcReader } from './cloud/aws-vpc-reader.js';
import { azureNsgReader, gcpVpcReader } from './cloud/azure-gcp-readers.js';
import { genericCsvReader } from './generic-csv/generic-csv-reader.js';
import { netflowFileReader, netflowPcapReader } from './netflow/netflow-readers.js';
import { nfdumpCsvReader, nfdumpJsonReader } from './nfdump/nfdump-reader.js';
import { zeekReader } from './zeek/zeek-reader.js';

/**
 * The flow-log readers, in detection order (binary magic first, then text by its first line).
 * ingest/formats.ts lists them after the capture readers.
 */
export const FLOWLOG_READERS: readonly FormatReader[] = [
  netflowFileReader,
  zeekReader,
  nfdumpCsvReader,
  nfdumpJsonReader,
  azureNsgReader,
  gcpVpcReader,
  awsVpcReader,
  // Last: it claims a file only when a column mapping sits beside it.
  genericCsvReader,
];

/**
 * Readers that must be asked before the capture readers: a pcap of a NetFlow/IPFIX export stream is
 * a pcap too, and is read as exported flows, not as packets.
 */
export const FLOWLOG_READERS_BEFORE_CAPTURE: readonly FormatReader[] = [netflowPcapReader];

export {
  createUdpCollector,
  DEFAULT_UDP_COLLECTOR_CONFIG,
  parseListen,
  type UdpCollector,
  type UdpCollectorConfig,
} from './netflow/udp-collector.js';
