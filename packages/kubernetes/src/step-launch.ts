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
