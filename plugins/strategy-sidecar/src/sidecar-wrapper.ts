import { OOM_KILLS_FUNCTION, POD_SLOTS, STEP_LAUNCH } from '@kact/kubernetes';

/**
 * The shell program every `run` step's container runs (under the pod's busybox, or bash where
 * the pod's "busybox" is the bash stand-in). Its text is constant; the step arrives as data in
 * the container's env, from the step's Secret: per field F, `KACT_F_N` parts in `KACT_F_0`…,
 * base64. Fields: ENV and ARGV (NUL-separated), CWD (NUL-terminated), FILES (file-command
 * paths, NUL-separated), NONCE, TIMEOUT (seconds or empty), SCRIPT. Arguments: the step folder
 * on the runtime volume and the script's file name (empty: no script).
 *
 * It unpacks the fields into the step folder, drops them from its env, creates the
 * file-command files empty, runs the process (own process group, stdout+stderr merged into the
 * container's log, in order), records the exit code in `exit`, then prints the trailer to the
 * log — the one channel back without `pods/exec`:
 *
 *   \n<nonce> begin\n   (<nonce> file\n <base64 lines>)*   <nonce> exit <code> <timedout 0|1> <bytes of output> <oom kills>\n
 *
 * The leading newline belongs to the trailer, so output without a final newline stays exact.
 * SIGTERM/SIGINT (the stop helper, on cancel) end the process; the wrapper itself survives them
 * to print the trailer. It also survives an OOM kill of the process in a slot with a memory
 * limit (cgroup v1, or v2 with the kubelet's singleProcessOOMKill, kill the largest process
 * only), which the trailer counts. `kill -s SIG -- -PGID`: without `--` a small process group id
 * (pods have small PIDs) would be read as a signal number. Exit codes 92/93: the wrapper failed
 * before the process started.
 */
export function sidecarWrapperScript(busybox: string): string {
  return `set -u
bb='${busybox}'
d=$1 script=$2
$bb mkdir -p "$d" || exit 92
take() {
  eval "n=\\\${KACT_$1_N:-0}"
  i=0
  while [ "$i" -lt "$n" ]; do eval "printf '%s' \\"\\\$KACT_$1_$i\\""; i=$((i + 1)); done | $bb base64 -d > "$d/$2" || exit 92
}
take ENV env; take ARGV argv; take CWD cwd; take FILES files; take NONCE nonce; take TIMEOUT timeout
[ -z "$script" ] || take SCRIPT "$script"
for v in ENV ARGV CWD FILES NONCE TIMEOUT SCRIPT; do
  eval "n=\\\${KACT_\${v}_N:-0}"
  i=0
  while [ "$i" -lt "$n" ]; do unset "KACT_\${v}_$i"; i=$((i + 1)); done
  unset "KACT_\${v}_N"
done
${runStep()}`;
}

/**
 * The program of a step slot: a container of the job pod, started with it (or added later as an
 * ephemeral container), that runs the job's steps one after another. It makes its hand-over
 * folder (`POD_SLOTS/<name>`: a FIFO `go`; `ids`, the uid and gid the agent gives the step's
 * files to; `pid`, by which the agent tells a slot that has ended from one that is busy), then
 * loops: it blocks on the FIFO until the agent has written a step folder (same file names as
 * above) and sends `<step folder> <script name>`, runs the step as the wrapper above does, in a
 * subshell (the step's cwd, traps and arguments stay there), and waits for the next. So the
 * container's log holds one trailer per step, and kact reads each step's part from where the
 * previous one ended.
 *
 * The slot survives the signals the stop helper sends to every process of the container
 * (SIGTERM, on cancel or the backstop timeout): the step ends, its trailer is printed, and the
 * helper KILLs the slot after the grace; kact does not hand a stopped slot another step. A read
 * of the FIFO that a signal interrupts, or that a hand-over which failed midway closed empty,
 * is retried. Exit codes: 94, the slot could not set up or was sent a folder that does not
 * exist; 92/93, the wrapper failed before a step's process started (no exit record: the slot
 * ends rather than take more steps). Argument: the slot's (container's) name.
 */
export function slotScript(busybox: string, slots = POD_SLOTS): string {
  return `set -u
# One stream, in order: what the shell itself reports (a step's process killed) must land
# before that step's trailer, not among the next step's output.
exec 2>&1
bb='${busybox}'
s='${slots}'/$1
$bb mkdir -p "$s" && { [ -p "$s/go" ] || $bb mkfifo -m 0600 "$s/go"; } || exit 94
echo "$$" > "$s/pid" || exit 94
echo "$($bb id -u) $($bb id -g)" > "$s/ids.new" && $bb mv "$s/ids.new" "$s/ids" || exit 94
trap ':' INT TERM HUP
while :; do
  read -r d script 2>/dev/null < "$s/go" || { [ -p "$s/go" ] && continue; exit 94; }
  [ -d "$d" ] || exit 94
  (
${runStep()}
  )
  c=$?
  [ -e "$d/exit" ] || exit "$c"
done
`;
}

/** Runs the step unpacked in \`$d\`, prints the trailer and exits with the step's code (shared by both programs above; a slot runs it in a subshell). */
function runStep(): string {
  return `${OOM_KILLS_FUNCTION}
o0=$(oomkills)
while IFS= read -r -d '' f; do
  { true > "$f"; } 2>/dev/null || { $bb mkdir -p "\${f%/*}" && true > "$f"; } || exit 93
done < "$d/files"
${STEP_LAUNCH}
if cd "$wd" 2>/dev/null; then
  # Through tee into a file: the trailer reports how many bytes the log should hold.
  # What is left of its process group once it has ended goes now: it could hold the pipe open,
  # and a slot's container lives on to run the next step. Both halves of the pipe are
  # subshells, whose traps are reset; the stop helper's TERM (sent to every process of the
  # container) must leave them to carry what the process prints as it ends, and its exit code.
  { trap ':' INT TERM HUP
    $bb setsid $bb sh -c 'echo $$ > "$1"; shift; exec "$@"' kact-exec "$d/pid" $bb env "$@" 2>&1 < /dev/null
    echo "$?" > "$d/code"
    read -r p < "$d/pid" && kill -s KILL -- "-$p" 2>/dev/null
  } | ( trap '' INT TERM HUP; exec $bb tee "$d/out" )
  read -r code < "$d/code" || code=1
else
  echo "kact: working directory $wd does not exist"
  code=1
fi
[ -n "\${w:-}" ] && kill "$w" 2>/dev/null
echo "$code" > "$d/exit"
IFS= read -r nonce < "$d/nonce"
printf '\\n%s begin\\n' "$nonce"
while IFS= read -r -d '' f; do
  printf '%s file\\n' "$nonce"
  [ -s "$f" ] && $bb base64 < "$f"
done < "$d/files"
tout=0; [ -e "$d/timedout" ] && tout=1
size=$($bb stat -c %s "$d/out" 2>/dev/null) || size=-1
$bb rm -f "$d/out"
o1=$(oomkills)
printf '%s exit %s %s %s %s\\n' "$nonce" "$code" "$tout" "$size" "$((o1 - o0))"
exit "$code"
`;
}
