/** One passive-DNS observation: `client` saw `name` resolve to `address` (A/AAAA, or a CNAME target). */
export interface DnsName {
  client: string;
  name: string;
  /** An IP address, or for a CNAME the target name. */
  address: string;
  /** 'A', 'AAAA', 'CNAME'. */
  type: string;
  ttl: number;
  firstSeen: number;
  lastSeen: number;
  count: number;
  sourceFormat: string;
  sourceFile?: string;
  ingestId?: string;
}
