/**
 * The part of a step wrapper both step strategies share (shell text, constant): reads the
 * request the wrapper unpacked into the step folder `$d` — env and argv NUL-separated, the
 * working directory NUL-terminated, the timeout in seconds or empty — into `"$@"` and `$wd`, and
 * starts the timeout watchdog (`$w`), which interrupts the process group recorded in `$d/pid`,
 * then kills it 5 s later. `kill -s SIG -- -PGID`: without `--` a small process group id (pods
 * have small PIDs) would be read as a signal number. Needs `$bb` (the busybox to use).
 */
export const STEP_LAUNCH = `# Handlers, not ignore: they keep this shell alive for group signals and reset to default in the process.
trap ':' INT TERM HUP
set --
while IFS= read -r -d '' kv; do set -- "$@" "$kv"; done < "$d/env"
while IFS= read -r -d '' a; do set -- "$@" "$a"; done < "$d/argv"
# Read: env and argv may hold secrets, which need not stay on the pod's volume while the step runs.
$bb rm -f "$d/env" "$d/argv"
IFS= read -r -d '' wd < "$d/cwd"
t=; read -r t < "$d/timeout"
w=
if [ -n "$t" ]; then
  # The watchdog takes its sleep with it when the process ends first (no sleeper left behind).
  ( trap 'kill $s 2>/dev/null; exit 0' TERM
    $bb sleep "$t" & s=$!; wait $s
    true > "$d/timedout"
    read -r p < "$d/pid" && kill -s INT -- "-$p"
    $bb sleep 5 & s=$!; wait $s
    kill -s KILL -- "-$p" ) < /dev/null > /dev/null 2>&1 &
  w=$!
fi`;

/**
 * Shell function `oomkills`: how many processes the kernel's OOM killer has killed in this
 * container's memory cgroup so far (cgroup v2 `memory.events`, v1 `memory.oom_control`), 0 when
 * neither can be read. A wrapper reads it before and after the step: under cgroup v1 (and v2
 * with the kubelet's singleProcessOOMKill) the killer ends only the largest process, the step's,
 * and the wrapper lives on to say so.
 */
export const OOM_KILLS_FUNCTION = `oomkills() {
  for f in /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control; do
    if [ -r "$f" ]; then
      while read -r k v; do [ "$k" = oom_kill ] && { echo "$v"; return; }; done < "$f"
    fi
  done
  echo 0
}`;
