#!/usr/bin/env bash
# Capture benchmark (issue #2, "Must show"): `camwatch flows` against the peers that build flows from a
# pcap, on one generated multi-million-packet camera capture, in one run.
#
#   bash bench/flows-bench.sh                  # 4 M packets, 2 runs per tool, medians
#   PACKETS=300000 RUNS=3 bash bench/flows-bench.sh
#
# Environment:
#   PACKETS          --target-packets for gen-camera-pcap (default 4000000)
#   RUNS             runs per tool, interleaved round-robin so load spikes spread over all tools (default 2)
#   SCALE_PACKETS    a second, smaller capture on which camwatch alone is run, to show that its peak memory
#                    does not grow with the file (default 1000000; empty to skip)
#   CAMWATCH_SHARED  the shared folder holding tools/gen-camera-pcap (default ../shared)
#   CAPTURE          bench this pcap instead of generating one (no truth file needed)
#   RESULT           where the markdown table goes besides stdout (default bench/results/flows-latest.md)
#   TOOL_TIMEOUT     seconds before one tool run is killed and marked failed (default 1200)
#   TOOLS            space-separated subset to run, e.g. "camwatch softflowd" (default: all)
#   ONE_CORE         the CPU every tool is also run pinned to with taskset, for the "one core" column
#                    (default: the last CPU; "off" to skip those runs)
#
# Each tool is timed by GNU time (`/usr/bin/time -f '%e %M %U %S'`): wall seconds, peak RSS, CPU seconds.
# For a tool that forks (pmacctd: core + plugin process) GNU time reports the largest single process's
# peak RSS, not the sum. Captures and tool output live in bench/out/ (gitignored).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PACKETS=${PACKETS:-4000000}
RUNS=${RUNS:-2}
SCALE_PACKETS=${SCALE_PACKETS-1000000}
SHARED=${CAMWATCH_SHARED:-../shared}
RESULT=${RESULT:-bench/results/flows-latest.md}
TOOL_TIMEOUT=${TOOL_TIMEOUT:-1200}
ONE_CORE=${ONE_CORE:-$(($(nproc) - 1))}
[ "$ONE_CORE" = off ] || command -v taskset >/dev/null || ONE_CORE=off
TOOLS=${TOOLS:-"camwatch camwatch-nometa nfpcapd softflowd argus pmacctd tshark pcap-parser bare-loop"}
OUT=bench/out
WORK=$OUT/work
mkdir -p "$OUT" "$WORK" "$(dirname "$RESULT")"

log() { printf '%s\n' "$*" >&2; }

# --- 1. peers from Debian --------------------------------------------------------------------------
# command -> Debian package
declare -A PKG_OF=(
  [tshark]=tshark [capinfos]=wireshark-common [argus]=argus-server [racount]=argus-client
  [softflowd]=softflowd [nfpcapd]=nfdump [pmacctd]=pmacct [/usr/bin/time]=time [timeout]=coreutils
  [vmtouch]=vmtouch
)
install_peers() {
  local missing=() cmd
  for cmd in "${!PKG_OF[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKG_OF[$cmd]}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=''
  [ "$(id -u)" -eq 0 ] || sudo='sudo'
  log "installing from Debian: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update only when the package lists do not know a package yet.
  if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}
install_peers

# --- 2. the capture ---------------------------------------------------------------------------------
# Cached by its generator arguments; written under a temporary name first so an interrupted run never
# leaves a half-written capture that a later run would reuse.
generate() { # packets -> prints the pcap path
  local packets=$1 base="$OUT/cam-s7-c48-h1-p$1"
  if [ ! -s "$base.pcap" ] || [ ! -s "$base.json" ]; then
    log "generating $base.pcap ($packets packets target)..."
    python3 "$SHARED/tools/gen-camera-pcap" --seed 7 --cameras 48 --hours 1 --target-packets "$packets" \
      --out "$base.tmp.pcap" --truth "$base.tmp.json" >&2
    mv "$base.tmp.json" "$base.json"
    mv "$base.tmp.pcap" "$base.pcap"
  fi
  printf '%s\n' "$base.pcap"
}
if [ -n "${CAPTURE:-}" ]; then
  FILE=$CAPTURE
  GEN_NOTE="given capture"
else
  FILE=$(generate "$PACKETS")
  GEN_NOTE="gen-camera-pcap --seed 7 --cameras 48 --hours 1 --target-packets $PACKETS"
fi
SCALE_FILE=''
[ -n "$SCALE_PACKETS" ] && [ -z "${CAPTURE:-}" ] && SCALE_FILE=$(generate "$SCALE_PACKETS")

count_packets() { capinfos -c -M "$1" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}'; }
NPKT=$(count_packets "$FILE")
SIZE_BYTES=$(stat -c %s "$FILE")
log "input: $FILE, $NPKT packets, $SIZE_BYTES bytes"

# --- 3. the tools -----------------------------------------------------------------------------------
CW=(node dist/bin/camwatch.js)
if [ ! -f dist/bin/camwatch.js ]; then
  log "dist/ missing: npm run build"
  npm run build --silent >&2
fi
CW_OK=0
CW_HELP=$("${CW[@]}" flows --help 2>/dev/null) && CW_OK=1 || true
# The switch that turns metadata extraction off, whatever its final name.
NOMETA_FLAG=$(printf '%s\n' "$CW_HELP" | grep -oE -- '--no-(meta|metadata|extract)[a-z-]*' | head -n1 || true)

PMACCT_CONF=$WORK/pmacctd.conf
write_pmacct_conf() { # file
  # Tuned buffers: the default 4 MB pipe without a plugin_buffer_size runs ~7x slower here; 64 MB / 640 KB
  # (the 1:100 ratio CONFIG-KEYS recommends) reaches its plateau. print_refresh_time past the end of
  # the capture, so the plugin purges once, when the core reaches the end of the file and stops it.
  cat >"$PMACCT_CONF" <<EOF
daemonize: false
pcap_savefile: $1
aggregate: src_host,dst_host,src_port,dst_port,proto
plugins: print
print_output: csv
print_output_file: $ROOT/$WORK/pmacctd.csv
print_refresh_time: 86400
plugin_pipe_size: 64000000
plugin_buffer_size: 640000
EOF
}

# The exact command of each tool on file $1; stdout of the command goes where tool_stdout says.
tool_cmd() { # tool file -> sets CMD array
  local f=$2
  case $1 in
    camwatch) CMD=("${CW[@]}" flows "$f" --format jsonl) ;;
    camwatch-nometa) CMD=("${CW[@]}" flows "$f" --format jsonl "$NOMETA_FLAG") ;;
    nfpcapd) CMD=(nfpcapd -r "$f" -w "$WORK/nfpcapd") ;;
    softflowd) CMD=(softflowd -r "$f" -n 127.0.0.1:9 -v 9) ;;
    argus) CMD=(argus -r "$f" -w "$WORK/argus.out") ;;
    pmacctd) CMD=(pmacctd -f "$PMACCT_CONF") ;;
    tshark) CMD=(tshark -r "$f" -q -z conv,tcp -z conv,udp) ;;
    pcap-parser) CMD=(node --no-deprecation bench/pcap-parser-read.mjs "$f") ;;
    bare-loop) CMD=(node bench/pcap-parser-read.mjs --bare "$f") ;;
  esac
}
# camwatch's jsonl is discarded, as the issue asks; the others' stdout is small and kept for the check.
tool_stdout() { case $1 in camwatch*) echo /dev/null ;; *) echo "$WORK/$1.stdout" ;; esac; }

prepare() { # tool file: fresh output places before each run
  case $1 in
    nfpcapd) rm -rf "$WORK/nfpcapd" && mkdir -p "$WORK/nfpcapd" ;;
    argus) rm -f "$WORK/argus.out" ;; # argus -w appends
    pmacctd) rm -f "$WORK/pmacctd.csv" && write_pmacct_conf "$2" ;;
  esac
}

# How many packets the tool says it handled, to catch a peer that stopped early or skipped a kind.
packets_seen() { # tool -> text
  local err="$WORK/$1.stderr" out="$WORK/$1.stdout"
  case $1 in
    camwatch*)
      # its summary on stderr: "camwatch: 1 input, 315864 records, 313362 IP, 2502 non-IP, ..."
      sed -n 's/.* \([0-9]*\) records, \([0-9]*\) IP,.*/\1 (\2 IP)/p' "$err" | tail -n1 ;;
    nfpcapd) sed -n 's/^Total: Processed: \([0-9]*\).*/\1/p' "$err" | tail -n1 ;;
    softflowd) sed -n 's/^Packets processed: \([0-9]*\).*/\1 IP/p' "$out" "$err" 2>/dev/null | head -n1 ;;
    argus) racount -r "$WORK/argus.out" 2>/dev/null | awk '$1 == "sum" {print $3}' ;;
    pmacctd) awk -F, 'NR > 1 {s += $(NF - 1)} END {print s " IP"}' "$WORK/pmacctd.csv" 2>/dev/null ;;
    tshark)
      awk '/<->/ {s += $(NF - 4)} END {print s " TCP+UDP"}' "$out" ;;
    pcap-parser | bare-loop) sed -n 's/.*packets=\([0-9]*\).*/\1/p' "$out" ;;
  esac
}

enabled() { [[ " $TOOLS " == *" $1 "* ]]; }
runnable() { # tool -> 0 if it can run here
  case $1 in
    camwatch) [ $CW_OK = 1 ] ;;
    camwatch-nometa) [ $CW_OK = 1 ] && [ -n "$NOMETA_FLAG" ] ;;
    *) return 0 ;;
  esac
}

declare -A WALL CPU RSS STATUS SEEN
run_one() { # key tool file [pin]
  local key=$1 tool=$2 f=$3 tf="$WORK/$1.time" rc=0
  prepare "$tool" "$f"
  tool_cmd "$tool" "$f"
  [ "${4:-}" = pin ] && CMD=(taskset -c "$ONE_CORE" "${CMD[@]}")
  timeout -k 10 "$TOOL_TIMEOUT" /usr/bin/time -o "$tf" -f '%e %M %U %S' "${CMD[@]}" \
    >"$(tool_stdout "$tool")" 2>"$WORK/$tool.stderr" </dev/null || rc=$?
  if [ $rc -ne 0 ] || [ ! -s "$tf" ]; then
    STATUS[$key]="failed (exit $rc, see $WORK/$tool.stderr)"
    log "  $key: failed, exit $rc"
    return 0
  fi
  local e m u s
  read -r e m u s < <(grep -E '^[0-9.]+ [0-9]+ [0-9.]+ [0-9.]+$' "$tf" | tail -n1)
  WALL[$key]+="$e "
  RSS[$key]+="$m "
  CPU[$key]+="$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}') "
  SEEN[$key]=$(packets_seen "$tool")
  log "  $key: ${e}s, $((m / 1024)) MiB, seen ${SEEN[$key]}"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {
  if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Before every run too: this machine's memory reclaim (DAMON pageout of regions idle for a minute)
# dropped the capture from the page cache between runs, and one run then read 3.7 GB from disk (37 s).
rewarm() { cat "$1" >/dev/null; }
warm() {
  log "warming the page cache: $1"
  rewarm "$1"
}

# How busy the machine is: load average and the share of time some task waited for a CPU (PSI).
machine_load() {
  local psi=''
  [ -r /proc/pressure/cpu ] && psi=", CPU pressure $(awk '/^some/ {sub("avg60=", "", $3); print $3 "%"}' /proc/pressure/cpu)"
  printf 'load %s%s' "$(cut -d' ' -f1-3 /proc/loadavg)" "$psi"
}
LOAD_BEFORE=$(machine_load)
KEYS=()
for t in $TOOLS; do runnable "$t" && KEYS+=("$t") || STATUS[$t]="not run: $( [ $CW_OK = 1 ] \
  && echo 'no metadata switch in `camwatch flows --help`' || echo '`camwatch flows` not available')"; done
[ -n "$SCALE_FILE" ] && enabled camwatch && [ $CW_OK = 1 ] && SCALE_KEY=camwatch@scale || SCALE_KEY=''

warm "$FILE"
# Locked in memory for the runs when vmtouch may (root or a large enough RLIMIT_MEMLOCK): reclaim then
# cannot drop it at all. Its pages stay where they are; nothing else changes for the tools.
LOCK_PID=''
if command -v vmtouch >/dev/null && { [ "$(id -u)" -eq 0 ] || [ "$(ulimit -l)" = unlimited ]; }; then
  vmtouch -l -q "$FILE" &
  LOCK_PID=$!
  trap '[ -n "$LOCK_PID" ] && kill "$LOCK_PID" 2>/dev/null' EXIT
fi
for ((r = 1; r <= RUNS; r++)); do
  log "run $r/$RUNS"
  for k in "${KEYS[@]}"; do
    rewarm "$FILE"
    run_one "$k" "$k" "$FILE"
    [ "$ONE_CORE" = off ] && continue
    rewarm "$FILE"
    run_one "$k@1" "$k" "$FILE" pin
  done
done
if [ -n "$SCALE_KEY" ]; then
  warm "$SCALE_FILE"
  for ((r = 1; r <= RUNS; r++)); do
    rewarm "$SCALE_FILE"
    run_one "$SCALE_KEY" camwatch "$SCALE_FILE"
  done
fi
LOAD_AFTER=$(machine_load)

# --- 4. the table -----------------------------------------------------------------------------------
fmt_int() { printf '%d' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; } # 4000000 -> 4,000,000

median_of() { printf '%s' "${1:-}" | median; }
CW_WALL=$(median_of "${WALL[camwatch]:-}")

row() { # key label
  local k=$1 label=$2
  if [ -z "${WALL[$k]:-}" ]; then
    printf '| %s | — | — | — | — | — | — | — | %s |\n' "$label" "${STATUS[$k]:-not run}"
    return
  fi
  local w c m pps ppc ratio
  w=$(median_of "${WALL[$k]}")
  c=$(median_of "${CPU[$k]}")
  m=$(median_of "${RSS[$k]}")
  local n=$NPKT
  [ "$k" = "$SCALE_KEY" ] && n=$SCALE_NPKT
  pps=$(awk -v n="$n" -v w="$w" 'BEGIN {printf "%.0f", n / w}')
  ppc=$(awk -v n="$n" -v c="$c" 'BEGIN {printf "%.0f", n / c}')
  ratio='—'
  [ -n "$CW_WALL" ] && [ "$k" != "$SCALE_KEY" ] && ratio=$(awk -v a="$CW_WALL" -v b="$w" 'BEGIN {printf "%.2f×", a / b}')
  local one='—'
  if [ -n "${WALL[$k@1]:-}" ]; then
    one="$(fmt_int "$(awk -v n="$n" -v w="$(median_of "${WALL[$k@1]}")" 'BEGIN {printf "%.0f", n / w}')")"
    one+=" ($(printf '%s' "${WALL[$k@1]}" | sed 's/ $//; s/ /, /g') s)"
  fi
  printf '| %s | %s | %s | %.2f (%s) | %.2f | %s | %.0f | %s | %s |\n' "$label" "$(fmt_int "$pps")" "$one" "$w" \
    "$(printf '%s' "${WALL[$k]}" | sed 's/ $//; s/ /, /g')" "$c" "$(fmt_int "$ppc")" "$(awk -v m="$m" 'BEGIN {print m / 1024}')" \
    "$ratio" "${SEEN[$k]:-?}${STATUS[$k]:+, ${STATUS[$k]}}"
}

label_of() {
  case $1 in
    camwatch) echo '**camwatch flows**' ;;
    camwatch-nometa) echo "camwatch flows $NOMETA_FLAG" ;;
    nfpcapd) echo 'nfpcapd (nfdump)' ;;
    softflowd) echo softflowd ;;
    argus) echo argus ;;
    pmacctd) echo 'pmacctd (print, tuned buffers)' ;;
    tshark) echo 'tshark conv,tcp + conv,udp' ;;
    pcap-parser) echo 'pcap-parser read only' ;;
    bare-loop) echo 'bare Node header loop (ceiling)' ;;
  esac
}

version_of() {
  case $1 in
    camwatch*)
      # dist/ is built from the work tree: say so when that differs from the commit
      local dirty=''
      [ -n "$(git status --porcelain -- model ingest store analyzer api cli 2>/dev/null)" ] && dirty=' + uncommitted changes'
      echo "camwatch $(node -p "require('./package.json').version") @ $(git rev-parse --short HEAD 2>/dev/null || echo '?')$dirty" ;;
    nfpcapd) dpkg-query -W -f='nfdump ${Version}' nfdump 2>/dev/null ;;
    softflowd) dpkg-query -W -f='softflowd ${Version}' softflowd 2>/dev/null ;;
    argus) dpkg-query -W -f='argus-server ${Version}' argus-server 2>/dev/null ;;
    pmacctd) dpkg-query -W -f='pmacct ${Version}' pmacct 2>/dev/null ;;
    tshark) dpkg-query -W -f='tshark ${Version}' tshark 2>/dev/null ;;
    pcap-parser) echo "pcap-parser $(node -p "require('pcap-parser/package.json').version" 2>/dev/null)" ;;
    bare-loop) echo "bench/pcap-parser-read.mjs --bare" ;;
  esac
}

SCALE_NPKT=''
[ -n "$SCALE_KEY" ] && SCALE_NPKT=$(count_packets "$SCALE_FILE")
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
OS=$(. /etc/os-release && echo "$PRETTY_NAME")
KERNEL=$(uname -r)
MEM=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)

{
  echo "# camwatch flows benchmark"
  echo
  echo "Generated by \`bench/flows-bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); do not edit by hand."
  echo
  echo "- machine: $CPU_MODEL, $(nproc) cores, $MEM, $OS (kernel ${KERNEL})"
  echo "- Node $(node --version); machine before: $LOAD_BEFORE; after: $LOAD_AFTER (shared: other jobs may run alongside)"
  echo "- input: \`$(basename "$FILE")\` ($GEN_NOTE), $(awk -v b="$SIZE_BYTES" 'BEGIN {printf "%.2f GB", b / 1e9}'), $(fmt_int "$NPKT") packets (capinfos -c), page cache warm"
  echo "- runs per tool: $RUNS, interleaved (one round over all tools, then the next); figures are medians, each run's wall seconds in brackets"
  echo "- packets/s = packets in the file ÷ median wall seconds, start-up included; CPU s = user + sys of the process and its"
  echo "  children (all threads); packets/CPU s = packets ÷ CPU s, steadier than wall time when other jobs compete for the"
  echo "  cores, and equal to packets/s for a single-threaded tool on an idle core"
  echo "- vs camwatch = camwatch seconds ÷ tool seconds (above 1× is faster than camwatch)"
  [ "$ONE_CORE" = off ] || echo "- one core: the same command pinned to CPU $ONE_CORE (\`taskset -c $ONE_CORE\`) in the same round, right after the free run: every thread of the tool (and the kernel's work for it) shares that core"
  echo
  echo "| tool | packets/s | one core: packets/s (seconds) | seconds | CPU s | packets/CPU s | peak RSS MiB | vs camwatch | packets seen |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
  for t in $TOOLS; do row "$t" "$(label_of "$t")"; done
  if [ -n "$SCALE_KEY" ]; then
    echo
    echo "Peak memory against file size (camwatch flows, same generator, seed and cameras):"
    echo
    echo "| input | packets | size | packets/s | seconds | CPU s | peak RSS MiB |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for k in "$SCALE_KEY" camwatch; do
      [ -n "${WALL[$k]:-}" ] || continue
      f=$FILE n=$NPKT
      [ "$k" = "$SCALE_KEY" ] && f=$SCALE_FILE n=$SCALE_NPKT
      w=$(median_of "${WALL[$k]}")
      printf '| `%s` | %s | %s | %s | %.2f | %.2f | %.0f |\n' "$(basename "$f")" "$(fmt_int "$n")" \
        "$(awk -v b="$(stat -c %s "$f")" 'BEGIN {printf "%.2f GB", b / 1e9}')" \
        "$(fmt_int "$(awk -v n="$n" -v w="$w" 'BEGIN {printf "%.0f", n / w}')")" "$w" "$(median_of "${CPU[$k]}")" \
        "$(median_of "${RSS[$k]}" | awk '{print $1 / 1024}')"
    done
  fi
  echo
  echo "Commands (FILE is the capture; output of each goes to bench/out/work/):"
  echo
  for t in $TOOLS; do
    runnable "$t" || continue
    tool_cmd "$t" FILE
    printf -- '- %s (%s): `%s`' "$(label_of "$t")" "$(version_of "$t")" "${CMD[*]}"
    [ "$t" = camwatch ] || [ "$t" = camwatch-nometa ] && printf ' `> /dev/null`'
    [ "$t" = pmacctd ] && [ -f "$PMACCT_CONF" ] && printf ' with %s' "$(grep -v -e '^daemonize' -e '^pcap_savefile' "$PMACCT_CONF" | sed "s|$ROOT/||" | paste -sd ';' | sed 's/;/; /g')"
    echo
  done
  cat <<'EOF'

Notes:

- packets seen is each tool's own count: camwatch's summary line (records, of which IP), nfpcapd's
  "Total: Processed", softflowd's "Packets processed" (IP only), argus via `racount` on its output, pmacctd the
  sum of its CSV PACKETS column (IP only), tshark the frames in its TCP and UDP conversation tables.
- pmacctd reading a savefile sleeps 2 s before the first packet (to let its plugin start) and 2 s after the
  last (before stopping the plugin): about 4 s of its wall time is idle. Its peak RSS is that of the larger of
  its two processes (core, print plugin), not their sum.
- nfpcapd runs several threads (4 while reading); pmacctd a core and a plugin
  process: on an idle machine their wall time can be below their CPU time. camwatch's CPU s includes Node's
  garbage-collector and compiler threads.
- softflowd with -r processes the whole file, expiring flows only past max_flows (default 8192) and at the end;
  it exports NetFlow v9 to 127.0.0.1:9 (discard), where nothing listens.
- argus runs with Debian's /etc/argus.conf (bidirectional, 5 s status records).
EOF
} | tee "$RESULT"
# `npm run lint` (Biome) also checks markdown: write the file as its formatter would (aligned tables).
[ -x node_modules/.bin/biome ] && node_modules/.bin/biome format --write "$RESULT" >/dev/null 2>&1 || true
log "written: $RESULT"
# A full run with the default result file also refreshes the table in README.md.
if [ "$RESULT" = "bench/results/flows-latest.md" ]; then node scripts/readme-bench.mjs; fi
