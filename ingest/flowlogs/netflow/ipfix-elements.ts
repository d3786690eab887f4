/**
 * The Information Elements camwatch reads, by IANA number (IANA "IP Flow Information Export (IPFIX)
 * Entities"; NetFlow v9 field types share the numbers below 128, RFC 3954 §8). Everything else is
 * skipped by its length. Reverse elements of RFC 5103 are the same numbers under enterprise 29305.
 */
export const IE = {
  octetDeltaCount: 1,
  packetDeltaCount: 2,
  protocolIdentifier: 4,
  tcpControlBits: 6,
  sourceTransportPort: 7,
  sourceIPv4Address: 8,
  destinationTransportPort: 11,
  destinationIPv4Address: 12,
  flowEndSysUpTime: 21,
  flowStartSysUpTime: 22,
  sourceIPv6Address: 27,
  destinationIPv6Address: 28,
  icmpTypeCodeIPv4: 32,
  samplingInterval: 34,
  samplerId: 48,
  samplerRandomInterval: 50,
  sourceMacAddress: 56,
  vlanId: 58,
  destinationMacAddress: 80,
  octetTotalCount: 85,
  packetTotalCount: 86,
  flowEndReason: 136,
  icmpTypeCodeIPv6: 139,
  flowStartSeconds: 150,
  flowEndSeconds: 151,
  flowStartMilliseconds: 152,
  flowEndMilliseconds: 153,
  flowStartMicroseconds: 154,
  flowEndMicroseconds: 155,
  flowStartNanoseconds: 156,
  flowEndNanoseconds: 157,
  flowStartDeltaMicroseconds: 158,
  flowEndDeltaMicroseconds: 159,
  systemInitTimeMilliseconds: 160,
  icmpTypeIPv4: 176,
  icmpCodeIPv4: 177,
  icmpTypeIPv6: 178,
  icmpCodeIPv6: 179,
  /** NSEL (Cisco ASA) NF_F_FWD_FLOW_DELTA_BYTES has the same number. */
  initiatorOctets: 231,
  /** NSEL NF_F_REV_FLOW_DELTA_BYTES. */
  responderOctets: 232,
  biflowDirection: 239,
  dot1qVlanId: 243,
  initiatorPackets: 298,
  responderPackets: 299,
  selectorId: 302,
  samplingPacketInterval: 305,
  samplingPacketSpace: 306,
  observationTimeSeconds: 322,
  observationTimeMilliseconds: 323,
} as const;

/** RFC 5103 §6.1: the enterprise number of reverse Information Elements. */
export const PEN_REVERSE = 29305;

/** RFC 5102 flowEndReason values → the Flow `endReason` words. */
export const END_REASON: readonly (string | undefined)[] = [
  undefined,
  'idle',
  'active',
  'end',
  'eof',
  'evicted',
];

/** Seconds between the NTP epoch (1900) and the Unix epoch, for dateTimeMicro/Nanoseconds. */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;
