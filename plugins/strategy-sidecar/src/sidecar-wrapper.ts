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
 * The program of a step slot: a container of the job pod, started with it, that waits for one
 * step. It makes its hand-over folder (`POD_SLOTS/<name>`: a FIFO `go`, and `ids`, the uid and
 * gid the agent gives the step's files to), blocks on the FIFO until the agent has written the
 * step folder (same file names as above) and sends `<step folder> <script name>`, then runs the
 * step as the wrapper above does and exits with its code. Exit code 94: the slot failed before
 * a step arrived. Argument: the slot's (container's) name.
 */
export function slotScript(busybox: string, slots = POD_SLOTS): string {
  return `set -u
bb='${busybox}'
s='${slots}'/$1
$bb mkdir -p "$s" && { [ -p "$s/go" ] || $bb mkfifo -m 0600 "$s/go"; } || exit 94
echo "$($bb id -u) $($bb id -g)" > "$s/ids.new" && $bb mv "$s/ids.new" "$s/ids" || exit 94
read -r d script < "$s/go" || exit 94
[ -d "$d" ] || exit 94
${runStep()}`;
}

/** Runs the step unpacked in \`$d\` and prints the trailer (shared by both programs above). */
function runStep(): string {
  return `${OOM_KILLS_FUNCTION}
o0=$(oomkills)
while IFS= read -r -d '' f; do
  { true > "$f"; } 2>/dev/null || { $bb mkdir -p "\${f%/*}" && true > "$f"; } || exit 93
done < "$d/files"
${STEP_LAUNCH}
if cd "$wd" 2>/dev/null; then
  # Through tee into a file: the trailer reports how many bytes the log should hold.
  # What is left of its process group once it has ended would die with the container anyway; it
  # goes now, so it cannot hold the pipe open.
  { $bb setsid $bb sh -c 'echo $$ > "$1"; shift; exec "$@"' kact-exec "$d/pid" $bb env "$@" 2>&1 < /dev/null
    echo "$?" > "$d/code"
    read -r p < "$d/pid" && kill -s KILL -- "-$p" 2>/dev/null
  } | $bb tee "$d/out"
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
