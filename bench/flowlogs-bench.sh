#!/usr/bin/env bash
# Flow-log parse throughput: camwatch reading nfdump CSV and Zeek conn.log TSV of N flows, beside
# `nfdump -r` reading the same flows from its own binary file, in one run. Records per CPU-second
# (user+system of the process) are the figure: wall time on a shared machine also counts waiting.
#   npm run build && bench/flowlogs-bench.sh [flows=2000000]
# Needs Debian's nfdump (nfpcapd, nfdump). Output: a table on stdout, inputs in bench/out/flowlogs/.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000000}
dist=${CAMWATCH_DIST:-dist}
out=bench/out/flowlogs
mkdir -p "$out"
export TZ=UTC

cpu() { # prints user+sys CPU seconds of the command, its output discarded
  /usr/bin/time -f '%U %S' -o "$out/time.txt" "$@" > /dev/null
  awk '{ printf "%.3f", $1 + $2 }' "$out/time.txt"
}

if [ ! -s "$out/flows-$n.csv" ]; then
  node "$dist"/bench/flowlogs-gen.js "$out/flows-$n.pcap" "$n"
  rm -rf "$out/nfcapd" && mkdir -p "$out/nfcapd"
  nfpcapd -r "$out/flows-$n.pcap" -w "$out/nfcapd" -t 86400 -e 300,60 > "$out/nfpcapd.log" 2>&1
  nfdump -R "$out/nfcapd" -o csv > "$out/flows-$n.csv"
  # The same flows as a Zeek conn.log (TSV with the standard header).
  {
    printf '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2024-01-01-00-00-00\n'
    printf '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n'
    printf '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n'
    awk -F, 'NR > 1 && $1 != "Summary" && NF > 20 {
      split($1, d, /[- :]/); ts = mktime(d[1] " " d[2] " " d[3] " " d[4] " " d[5] " " d[6]);
      printf "%d.%06d\tC%017d\t%s\t%s\t%s\t%s\t%s\t-\t%s\t%d\t0\tS0\tT\tF\t0\tD\t%d\t%d\t0\t0\t-\n",
        ts, NR % 1000000, NR, $4, $6, $5, $7, tolower($8), $3 + 0, $13 - $12 * 28, $12, $13 }' "$out/flows-$n.csv"
    printf '#close\t2024-01-01-01-00-00\n'
  } > "$out/conn-$n.log"
fi
records=$(grep -cE '^[0-9]{4}-' "$out/flows-$n.csv")
nf_cpu=$(cpu nfdump -R "$out/nfcapd" -o csv)
for f in nfdump-csv zeek; do
  input="$out/flows-$n.csv"
  [ "$f" = zeek ] && input="$out/conn-$n.log"
  node "$dist"/bench/flowlogs-parse.js "$f" "$input" --no-community-id > "$out/camwatch-$f.json"
  node "$dist"/bench/flowlogs-parse.js "$f" "$input" > "$out/camwatch-$f-cid.json"
done
field() { node -e "console.log(JSON.parse(require('fs').readFileSync('$1','utf8')).$2)"; }
nf_rate=$(awk -v r="$records" -v s="$nf_cpu" 'BEGIN { printf "%d", r / s }')
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(uname -sr), node $(node -v), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $records flows ($(du -h "$out/flows-$n.csv" | cut -f1) nfdump CSV, $(du -h "$out/conn-$n.log" | cut -f1) Zeek TSV)"
row() { printf '%-44s %12s %15s %10s\n' "$@"; }
row 'reader' 'CPU seconds' 'records/CPU-s' 'vs nfdump'
row 'nfdump -R nfcapd -o csv (peer)' "$nf_cpu" "$nf_rate" '1.00'
for f in nfdump-csv zeek; do
  for v in '' -cid; do
    j="$out/camwatch-$f$v.json"
    rate=$(field "$j" recordsPerCpuSecond)
    label="camwatch $f, parse only"
    [ "$v" = -cid ] && label="camwatch $f, parse + Community ID"
    row "$label" "$(field "$j" cpuSeconds)" "$rate" "$(awk -v a="$rate" -v b="$nf_rate" 'BEGIN { printf "%.2f", a / b }')"
  done
done
