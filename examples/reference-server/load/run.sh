#!/usr/bin/env bash
# Load test of the reference server with SIPp on this machine (not part of CI).
#
#   examples/reference-server/load/run.sh ivr     [CALLS] [RATE] [CONCURRENT]   # default 1000 100 500
#   examples/reference-server/load/run.sh bridged [CALLS] [RATE] [CONCURRENT]   # default 400 20 200
#   examples/reference-server/load/run.sh signalling [CALLS] [RATE] [CONCURRENT] # default 20000 5000 200
#
# ivr:     callers offer PCMA only (so every frame goes through the in-band DTMF detector), send
#          SIPp's 8 s A-law speech pcap and hang up after 10 s, while the server plays the menu
#          prompt: RTP both ways, no agent.
# bridged: callers press 1 (RFC 2833), send the speech pcap and hang up after 12 s; agents are a
#          SIPp UAS answering for CONCURRENT trunk-style agents and sending the speech pcap back;
#          every call is bridged and recorded (stereo WAV).
# signalling: SIPp's built-in uac (INVITE, 200, ACK, BYE) against a media-less number of the
#          server, then against SIPp's own built-in uas on the same machine: the calls per second
#          each reaches (RATE is a ceiling; CALLS over the run's wall time is the figure).
#
# Reports: calls attempted, successful and failed (SIPp's counts), the server's CPU time per call
# and peak memory (from /proc), memory per concurrent call, and the loss the server measured on
# its receiving legs (from the CDR rows). Servers listen on 127.0.0.1 only; every run is bounded
# by CALLS and a timeout.
set -euo pipefail
mode=${1:-ivr}
case $mode in
  ivr) calls=${2:-1000}; rate=${3:-100}; limit=${4:-500} ;;
  bridged) calls=${2:-400}; rate=${3:-20}; limit=${4:-200} ;;
  signalling) calls=${2:-20000}; rate=${3:-5000}; limit=${4:-200} ;;
  *) echo "usage: $0 ivr|bridged|signalling [CALLS] [RATE] [CONCURRENT]" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/../../.." && pwd)
command -v sipp >/dev/null || { echo "sipp is missing: apt-get install sip-tester" >&2; exit 1; }
cargo build --release -q -p reference-server --manifest-path "$root/Cargo.toml"
server_bin=$root/target/release/reference-server
work=$(mktemp -d /tmp/hotline-load.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT
ln -s /usr/share/sip-tester "$work/pcap"
sip_port=25060; http_port=28080; agent_port=25070

# The configuration: the press-one flow on number 100, CONCURRENT agents at one SIPp UAS.
{
  printf '[server]\nsip_port = %d\nhttp_port = %d\nrtp_ports = "30000-39999"\ndata_dir = "%s/data"\nshutdown_grace = "1s"\n\n' \
    "$sip_port" "$http_port" "$work"
  printf '[[numbers]]\nnumber = "100"\nflow = "%s"\n\n' "$root/examples/reference-server/tests/data/press1.ivr"
  printf '[[numbers]]\nnumber = "300"\nmedia = false\n\n'
  printf '[recording]\nenabled = true\n\n'
  for i in $(seq 1 "$limit"); do
    printf '[[agents]]\nname = "a%d"\npassword = "pw%d"\ntoken = "agent-token-%d"\ncontact = "sip:a%d@127.0.0.1:%d"\n\n' "$i" "$i" "$i" "$i" "$agent_port"
  done
  printf '[acd]\nskills = ["consult"]\nlanguages = ["zh-CN"]\n\n[[acd.queues]]\nname = "gov-consult"\npolicy = "longest-idle"\nwrap_up = "1s"\noffer_timeout = "15s"\nservice_level = "20s"\n\n'
  for i in $(seq 1 "$limit"); do
    printf '[[acd.agents]]\nname = "a%d"\nready = true\nlanguages = ["zh-CN"]\nqueues = [{ queue = "gov-consult" }]\n\n' "$i"
  done
} > "$work/server.toml"

# The SIPp scenarios are the interop tests' own (examples/reference-server/tests/sipp/).
scenarios=$root/examples/reference-server/tests/sipp
caller() { # $1: m= lines, $2: pcaps and pauses as "file:ms ..."
  local plays="" template
  for p in $2; do
    plays+="  <nop><action><exec play_pcap_audio=\"${p%%:*}\"/></action></nop>
  <pause milliseconds=\"${p##*:}\"/>
"
  done
  template=$(cat "$scenarios/caller.xml")
  template=${template//@OFFER@/$1}
  printf '%s\n' "${template//@PLAYS@/$plays}"
}
cp "$scenarios/agent-talk.xml" "$work/agent.xml"

cd "$work"
"$server_bin" --config server.toml 2> server.log &
server=$!
for _ in $(seq 50); do grep -q '^call in:' server.log && break; sleep 0.2; done
grep -q '^call in:' server.log || { cat server.log; exit 1; }

if [ "$mode" = signalling ]; then
  run_uac() { # $1: target; prints the wall time in ms
    local t0 t1
    t0=$(date +%s%N)
    sipp -sn uac "$1" -s 300 -i 127.0.0.1 -p 25081 -m "$calls" -r "$rate" -l "$limit" -timeout 600 \
      -nostdin -trace_stat -stf "$2" -fd 1 > "$2.out" 2>&1 || true
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
  }
  ms_server=$(run_uac 127.0.0.1:$sip_port server.csv)
  sipp -sn uas -i 127.0.0.1 -p 25090 -m "$calls" -timeout 600 -nostdin -bg > uas.out 2>&1 || true
  ms_sipp=$(run_uac 127.0.0.1:25090 sipp.csv)
  stats() { tail -1 "$1" | tr ';' '\n' > /tmp/hl-last; head -1 "$1" | tr ';' '\n' > /tmp/hl-head; paste /tmp/hl-head /tmp/hl-last | awk -v k="$2" '$1==k {print $2}'; }
  for who in server sipp; do
    ms=$([ $who = server ] && echo "$ms_server" || echo "$ms_sipp")
    echo "$who: successful $(stats $who.csv SuccessfulCall\(C\)), failed $(stats $who.csv FailedCall\(C\)) in $ms ms: $(( calls * 1000 / (ms > 0 ? ms : 1) )) calls/s"
  done
  echo "work folder: $work"
  exit 0
fi

if [ "$mode" = ivr ]; then
  caller $'m=audio [auto_media_port] RTP/AVP 8\na=rtpmap:8 PCMA/8000' "pcap/g711a.pcap:10000" > caller.xml
else
  caller $'m=audio [auto_media_port] RTP/AVP 8 101\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000' \
    "pcap/dtmf_2833_1.pcap:300 pcap/g711a.pcap:12000" > caller.xml
  sipp -sf agent.xml -i 127.0.0.1 -p $agent_port -mp 26000 -m "$calls" -timeout 600 -nostdin \
    -trace_stat -stf agent.csv -fd 1 -bg > agent.out 2>&1 || true  # -bg exits non-zero
fi
t0=$(date +%s)
sipp -sf caller.xml 127.0.0.1:$sip_port -s 100 -i 127.0.0.1 -p 25080 -mp 27000 \
  -m "$calls" -r "$rate" -l "$limit" -timeout 600 -nostdin -trace_stat -stf caller.csv -fd 1 \
  > caller.out 2>&1 || true  # non-zero when a call failed: counted below
t1=$(date +%s)
sleep 3
ticks=$(getconf CLK_TCK)
read -r utime stime < <(awk '{print $14, $15}' "/proc/$server/stat")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
base=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
stats() { tail -1 "$1" | tr ';' '\n' > /tmp/hl-last; head -1 "$1" | tr ';' '\n' > /tmp/hl-head; paste /tmp/hl-head /tmp/hl-last | awk -v k="$2" '$1==k {print $2}'; }
ok=$(stats caller.csv SuccessfulCall\(C\)); failed=$(stats caller.csv FailedCall\(C\)); made=$(stats caller.csv TotalCallCreated)
curl -s -H 'Authorization: Bearer supervisor-token-change-me' "http://127.0.0.1:$http_port/api/cdr.csv?limit=100000" > cdr.csv
rows=$(($(wc -l < cdr.csv) - 1))
loss=$(awk -F, 'NR>1 {s+=$17; if ($17>m) m=$17; n++} END {if (n) printf "mean %.3f%%, max %.3f%%", s/n, m; else print "-"}' cdr.csv)
cpu=$(( (utime + stime) * 1000 / ticks ))
echo "mode=$mode calls=$calls rate=$rate/s concurrent<=$limit duration=$((t1 - t0)) s"
echo "SIPp callers: created $made, successful $ok, failed $failed; CDR rows $rows"
echo "server CPU: $cpu ms in all ($(( cpu / (calls > 0 ? calls : 1) )) ms per call); peak RSS $((hwm / 1024)) MiB, $(( hwm / (limit > 0 ? limit : 1) )) KiB per concurrent call (RSS now $((base / 1024)) MiB)"
echo "loss measured by the server on callers' legs: $loss"
echo "work folder: $work"
