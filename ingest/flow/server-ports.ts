/**
 * Ports that identify the server side of a conversation whose start the capture missed (Zeek's
 * `likely_server_ports` idea): when a flow's first packet comes from one of these to a port that is
 * not one, the first sender is the responder.
 */
const SERVER_PORTS = new Uint8Array(65536);

// Every IANA system port, plus registered ports that cameras, NVRs and their clouds serve on.
for (let p = 1; p < 1024; p++) SERVER_PORTS[p] = 1;
for (const p of [
  1080, 1194, 1433, 1521, 1723, 1883, 1900, 2049, 3128, 3306, 3389, 3478, 3479, 5060, 5061, 5349, 5353, 5432,
  5683, 5684, 6379, 6443, 7001, 8000, 8008, 8080, 8081, 8088, 8443, 8554, 8883, 8888, 9000, 9010, 9020, 9200,
  9443, 10554, 19302, 27017, 34567, 37777,
]) {
  SERVER_PORTS[p] = 1;
}

export function isServerPort(port: number): boolean {
  return SERVER_PORTS[port] === 1;
}
