#!/usr/bin/env bash
# Verifies that `kube-local down` left nothing behind: no kube-local, containerd
# (of ours) or containerd-shim process (zombies awaiting reaping are ignored),
# no mount under the state dir, no bridge, no KUBE-/CNI- iptables chain.
# Exit 0 when clean; prints what is left otherwise.
set -uo pipefail
state="${KUBE_LOCAL_STATE_DIR:-${1:-/var/lib/kube-local}}"
left=0
procs=$(ps -eo pid=,stat=,args= | awk -v s="$state" '$2 !~ /^Z/ && ($3 ~ /kube-local/ || $0 ~ /containerd-shim/ || index($0, s "/containerd")) && $0 !~ /check-clean/ {print}')
[[ -z "$procs" ]] || { echo "left processes:"; echo "$procs"; left=1; }
mounts=$(awk -v s="$state" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo)
[[ -z "$mounts" ]] || { echo "left mounts:"; echo "$mounts"; left=1; }
[[ ! -e /sys/class/net/kubelocal0 ]] || { echo "left bridge kubelocal0"; left=1; }
if command -v iptables-save >/dev/null; then
  chains=$( { iptables-save; ip6tables-save 2>/dev/null; } | grep -E '^:(KUBE-|CNI-)' || true)
  [[ -z "$chains" ]] || { echo "left iptables chains:"; echo "$chains"; left=1; }
fi
[[ $left -eq 0 ]] && echo "clean: no kube-local process, mount, bridge or iptables chain left"
exit $left
