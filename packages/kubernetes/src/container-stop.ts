import { POD_BUSYBOX } from './pod-builder.js';

/**
 * How a step container is stopped. The API has no verb to stop or remove an ephemeral container,
 * and with the image's own ENTRYPOINT there is no wrapper of ours inside it to ask. So job pods
 * share one PID namespace (`shareProcessNamespace: true`, set by the pod builder) and a second,
 * tiny ephemeral container — the job's main image running the pod's busybox as root, so it can
 * signal processes of any user — finds the target's processes by its container ID in
 * /proc/<pid>/cgroup, sends SIGTERM (a step wrapper traps it and still prints its trailer),
 * waits up to the grace period for them to go, then sends SIGKILL. Costs one container start,
 * and only for steps that time out or are cancelled. Shell builtins only (plus `sleep`), so it
 * also runs where the pod's "busybox" is the bash stand-in.
 *
 * Arguments: the container ID (without the `containerd://` scheme), the grace period in seconds.
 */
export const STOP_SCRIPT = `id=$1 grace=$2
bb='${POD_BUSYBOX}'
pids() {
  found=
  for p in /proc/[0-9]*; do
    while IFS= read -r line; do
      case $line in *"$id"*) found="$found \${p#/proc/}"; break ;; esac
    done 2>/dev/null < "$p/cgroup"
  done
}
pids
[ -n "$found" ] || exit 0
kill -s TERM $found 2>/dev/null
i=0
while [ $i -lt $((grace * 10)) ]; do
  $bb sleep 0.1
  pids
  [ -n "$found" ] || exit 0
  i=$((i + 1))
done
kill -s KILL $found 2>/dev/null
exit 0
`;

/** `containerd://abc…` → `abc…`. */
export function bareContainerId(containerId: string): string {
  return containerId.replace(/^[a-z0-9]+:\/\//, '');
}
