#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Network benchmarks of issue #6, run as an unprivileged user with subordinate ids:
#   - time from net_setup to ready (slirp4netns, with a port, pasta), from hutch's own log;
#   - hyperfine of `hutch __nettest` per mode (namespace + network + teardown);
#   - iperf3 throughput: plain loopback, slirp4netns and pasta in both directions;
#   - podman in the same modes (runc, cgroupfs) when podman is installed;
#   - user-defined networks (issue #15), side by side with podman 4 (netavark) on its own
#     `network create` network: container-to-container iperf3 over the bridge, container to
#     host, DNS lookup time, and hyperfine of `run --rm --network n1 IMAGE true`.
# Only 127.0.0.1, the namespace's own 10.0.2.2 and the host's own address are used.
#   tests/bench/net.sh [RUNS] [--networks-only]
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
HUTCH=${HUTCH:-$top/hutch}
RUNS=${1:-50}
ONLY_NETWORKS=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ $(id -u) == 0 ]]; then
	echo "run this as an unprivileged user with subuid ranges (rootless is what is measured)" >&2
	exit 2
fi
for t in hyperfine iperf3 python3; do
	command -v "$t" >/dev/null || { echo "$t is needed" >&2; exit 2; }
done

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

gbits() {
	python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.2f Gbit/s" % (d["end"]["sum_received"]["bits_per_second"]/1e9))'
}

# setup_ms LABEL ARGS...: min/median/max of "network X ready in N ms" over RUNS runs.
setup_ms() {
	local label=$1 i
	shift
	for ((i = 0; i < RUNS; i++)); do
		"$HUTCH" --log-level=info __nettest "$@" -- true 2>&1 |
			sed -n 's/.*ready in \([0-9.]*\) ms/\1/p'
	done | sort -n | awk -v l="$label" '{a[NR]=$1} END {
		printf "%-34s min %5.1f  median %5.1f  max %5.1f ms (%d runs)\n", l, a[1], a[int(NR/2)+1], a[NR], NR }'
}

if [[ $ONLY_NETWORKS != --networks-only ]]; then
echo "== setup to ready (hutch's log, net_setup: checks, spawn, ready fd, ports)"
setup_ms "slirp4netns" --network slirp4netns
setup_ms "slirp4netns -p 127.0.0.1::80" -p 127.0.0.1::80
if command -v pasta >/dev/null; then
	setup_ms "pasta -p 127.0.0.1::80" --network pasta -p 127.0.0.1::80
fi

echo "== hyperfine: namespace + network + command + teardown"
cmds=("$HUTCH __nettest --network none -- /bin/true"
	"$HUTCH __nettest --network slirp4netns -- /bin/true"
	"$HUTCH __nettest -p 127.0.0.1::80 -- /bin/true")
command -v pasta >/dev/null && cmds+=("$HUTCH __nettest --network pasta -- /bin/true")
hyperfine -N --warmup 3 --runs "$RUNS" "${cmds[@]}" 2>&1 | grep -E '^Benchmark|Time \(mean'

echo "== iperf3, 5 s each"
iperf_host_server() { # port
	iperf3 -s -1 -B 127.0.0.1 -p "$1" >/dev/null 2>&1 &
	sleep 0.3
}
p=$(free_port)
iperf_host_server "$p"
echo "plain loopback:                    $(iperf3 -c 127.0.0.1 -p "$p" -t 5 -J | gbits)"
p=$(free_port)
iperf_host_server "$p"
echo "slirp4netns ns -> host 10.0.2.2:   $("$HUTCH" __nettest \
	--network slirp4netns:allow_host_loopback=true -- iperf3 -c 10.0.2.2 -p "$p" -t 5 -J | gbits)"
modes=(slirp4netns)
command -v pasta >/dev/null && modes+=(pasta)
for mode in "${modes[@]}"; do
	p=$(free_port)
	"$HUTCH" __nettest --network "$mode" -p "127.0.0.1:$p:5201" -- iperf3 -s -1 -p 5201 \
		>/dev/null 2>&1 &
	sleep 1
	printf '%-34s %s\n' "$mode host -> ns via -p:" "$(iperf3 -c 127.0.0.1 -p "$p" -t 5 -J | gbits)"
	wait
done

if command -v podman >/dev/null; then
	echo "== podman $(podman --version | awk '{print $3}') (runc, cgroupfs), same modes"
	mkdir -p "$tmp/root/bin"
	cp /bin/busybox "$tmp/root/bin/"
	ln -s busybox "$tmp/root/bin/true"
	tar -C "$tmp/root" -cf "$tmp/bb.tar" .
	podman import "$tmp/bb.tar" localhost/hutch-bench-bb:latest >/dev/null 2>&1
	P="podman --runtime runc --cgroup-manager=cgroupfs run --rm"
	pcmds=("$P --network none localhost/hutch-bench-bb true"
		"$P --network slirp4netns localhost/hutch-bench-bb true"
		"$P --network slirp4netns -p 127.0.0.1::80 localhost/hutch-bench-bb true")
	hyperfine -N --warmup 2 --runs "$((RUNS < 20 ? RUNS : 20))" "${pcmds[@]}" 2>&1 |
		grep -E '^Benchmark|Time \(mean'
fi
fi

# ---------- user-defined networks (issue #15) ----------
# Both tools get the same busybox image (imported) and the host's iperf3 and python3 bound
# in read-only; podman runs with a store of its own under $tmp and netavark.
echo "== user-defined networks: hutch against podman (netavark), $(date -u +%FT%TZ)"
# iperf3 keeps a file in /tmp.
mkdir -p "$tmp/root/bin" "$tmp/root/tmp" "$tmp/root/etc"
chmod 1777 "$tmp/root/tmp"
cp /bin/busybox "$tmp/root/bin/"
for t in sh true nslookup; do ln -sf busybox "$tmp/root/bin/$t"; done
tar -C "$tmp/root" -cf "$tmp/bb.tar" .
host_ip=$(ip -4 -o route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
BINDS=(-v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro)
IMG=localhost/hutch-bench-bb:latest
PM=(podman --runtime runc --cgroup-manager cgroupfs --events-backend file
	--network-backend netavark --root "$tmp/pm/root" --runroot "$tmp/pm/run")
tools=(hutch)
command -v podman >/dev/null && tools+=(podman)
# cpu_ticks PID...: their user + system time so far, in clock ticks.
cpu_ticks() {
	local sum=0 pid f
	for pid in "$@"; do
		read -r -a f <"/proc/$pid/stat" || continue
		sum=$((sum + f[13] + f[14]))
	done
	echo "$sum"
}
lookup_py='import socket,time
t=time.time()
for _ in range(200): socket.getaddrinfo("srv", 80)
print("%.2f ms" % ((time.time()-t)/200*1000))'
for tool in "${tools[@]}"; do
	if [[ $tool == hutch ]]; then T=("$HUTCH"); else T=("${PM[@]}"); fi
	"${T[@]}" import "$tmp/bb.tar" "$IMG" >/dev/null
	"${T[@]}" network create benchnet >/dev/null
	"${T[@]}" run -d --name srv --network benchnet "${BINDS[@]}" "$IMG" \
		/usr/bin/iperf3 -s >/dev/null
	sleep 1
	printf '%-8s %-32s %s\n' "$tool" "ctr -> ctr (bridge), iperf3 5 s:" \
		"$("${T[@]}" run --rm --network benchnet "${BINDS[@]}" "$IMG" \
			/usr/bin/iperf3 -c srv -t 5 -J | gbits)"
	if [[ -n $host_ip ]]; then
		p=$(free_port)
		iperf3 -s -1 -B "$host_ip" -p "$p" >/dev/null 2>&1 &
		sleep 0.3
		printf '%-8s %-32s %s\n' "$tool" "ctr -> host $host_ip, iperf3 5 s:" \
			"$("${T[@]}" run --rm --network benchnet "${BINDS[@]}" "$IMG" \
				/usr/bin/iperf3 -c "$host_ip" -p "$p" -t 5 -J | gbits)"
		wait
	fi
	printf '%-8s %-32s %s\n' "$tool" "DNS lookup of srv (200, mean):" \
		"$("${T[@]}" run --rm --network benchnet "${BINDS[@]}" "$IMG" \
			/usr/bin/python3 -c "$lookup_py")"
	"${T[@]}" rm -f -t 0 srv >/dev/null
	p=$(free_port)
	"${T[@]}" run -d --name psrv --network benchnet -p "127.0.0.1:$p:5201" "${BINDS[@]}" "$IMG" \
		/usr/bin/iperf3 -s >/dev/null
	sleep 1
	printf '%-8s %-32s %s\n' "$tool" "host -> ctr via -p, iperf3 5 s:" \
		"$(iperf3 -c 127.0.0.1 -p "$p" -t 5 -J | gbits)"
	# The relay's CPU time for 2 GiB (user + system): hutch's monitor; podman's rootlessport
	# and its child in the namespace.
	if [[ $tool == hutch ]]; then
		mapfile -t rpids < <("${T[@]}" inspect psrv --format '{{.State.ConmonPid}}')
	else
		mapfile -t rpids < <(pgrep -u "$(id -u)" -x rootlessport; pgrep -u "$(id -u)" -x exe)
	fi
	c0=$(cpu_ticks "${rpids[@]}")
	iperf3 -c 127.0.0.1 -p "$p" -n 2G >/dev/null
	c1=$(cpu_ticks "${rpids[@]}")
	printf '%-8s %-32s %s\n' "$tool" "relay CPU per GiB via -p:" \
		"$(((c1 - c0) * 1000 / $(getconf CLK_TCK) / 2)) ms"
	"${T[@]}" rm -f -t 0 psrv >/dev/null
	hyperfine -N --warmup 2 --runs "$RUNS" \
		-n "$tool run --rm --network benchnet IMAGE true" \
		"${T[*]} run --rm --network benchnet $IMG true" 2>&1 | grep -E '^Benchmark|Time \(mean'
	"${T[@]}" network rm -f benchnet >/dev/null
	"${T[@]}" rmi -f "$IMG" >/dev/null 2>&1 || true
done
# podman's rootless network namespace and aardvark-dns outlive its last container: stop them.
if command -v podman >/dev/null; then
	"${PM[@]}" system migrate >/dev/null 2>&1 || true
	"${PM[@]}" unshare rm -rf "$tmp/pm" 2>/dev/null || true
fi
