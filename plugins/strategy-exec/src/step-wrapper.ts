import { OOM_KILLS_FUNCTION, STEP_LAUNCH } from '@kact/kubernetes';

/**
 * The shell program that runs a step's process inside the pod. Its text is constant (only the
 * busybox path is built in); everything about the step arrives as data: a tar on stdin, unpacked
 * into the step folder, and argv. It runs under busybox ash, or bash where busybox is missing.
 *
 * Modes (`$1`), all with the step folder as `$2`:
 *   run        unpack the request, start `supervise` detached, stream the log, write the trailer
 *   supervise  (detached, own session) run the process, record its exit code in `exit`
 *   follow N   stream the log from byte N until the exit is recorded, write the trailer (recovery)
 *   kill       interrupt the process group; kill it if it is still there 5 s later
 *
 * Step folder files: request (`env` and `argv` NUL-separated, `cwd` NUL-terminated, `files` the
 * file-command paths NUL-separated, `timeout` seconds, `nonce`, the script, `wrapper.sh` = this
 * text) and records (`log` merged stdout+stderr, `pid` the process group, `sup` the supervisor,
 * `exit`, `timedout`, `oom0`, `wake` a FIFO that wakes the follower when the exit is recorded).
 *
 * The trailer goes to stderr, which nothing else writes to: `<nonce> file <i>` + base64 lines per
 * file-command file, then `<nonce> exit <code> <timedout 0|1> <oom kills during the step>`, or
 * `<nonce> noexit` when the supervisor vanished without recording an exit code.
 */
export function stepWrapperScript(busybox: string): string {
  return `set -u
bb='${busybox}'
mode=$1 d=$2

${OOM_KILLS_FUNCTION}

trailer() {
  IFS= read -r nonce < "$d/nonce"
  if [ ! -e "$d/exit" ]; then printf '%s noexit\\n' "$nonce" >&2; exit 0; fi
  i=0
  while IFS= read -r -d '' f; do
    printf '%s file %d\\n' "$nonce" "$i" >&2
    [ -s "$f" ] && $bb base64 < "$f" >&2
    i=$((i + 1))
  done < "$d/files"
  read -r code < "$d/exit"
  t=0; [ -e "$d/timedout" ] && t=1
  read -r o0 < "$d/oom0" || o0=0
  o1=$(oomkills)
  printf '%s exit %s %s %s\\n' "$nonce" "$code" "$t" "$((o1 - o0))" >&2
}

follow() {
  off=$1 fin= idle=0 wait=0.02
  # Held open for the whole loop: a FIFO drops what was written to it once nobody has it open.
  exec 3<> "$d/wake"
  # Most steps are quick: wait for the wake-up first and spare a round of stat.
  read -t 0.02 x <&3
  while :; do
    if [ -e "$d/exit" ]; then fin=1
    elif [ -e "$d/sup" ]; then
      # Empty while the supervisor is still writing it: not a verdict yet.
      sup=; read -r sup < "$d/sup"
      [ -z "$sup" ] || kill -0 "$sup" 2>/dev/null || [ -e "$d/exit" ] || fin=1
    elif [ "$idle" -gt 20 ]; then fin=1
    fi
    if [ -n "$fin" ]; then
      # The process has ended: the rest of the log is final, no need to measure it.
      $bb tail -c +$((off + 1)) "$d/log" 2>/dev/null
      break
    fi
    size=$($bb stat -c %s "$d/log")
    if [ "$size" -gt "$off" ]; then
      $bb tail -c +$((off + 1)) "$d/log" 2>/dev/null | $bb head -c $((size - off))
      off=$size wait=0.02
    fi
    idle=$((idle + 1))
    read -t "$wait" x <&3
    case $wait in 0.02) wait=0.1 ;; 0.1) wait=0.5 ;; esac
  done
  trailer
}

case $mode in
run)
  IFS= read -r size || exit 90
  # The tar holds the step folder itself (files, and the wake FIFO), so it unpacks into the parent.
  $bb head -c "$size" | $bb tar -x -o -f - -C "\${d%/*}" || exit 92
  # \`true >\`, not \`: >\`: a failed redirection on a special builtin would end the shell.
  while IFS= read -r -d '' f; do
    { true > "$f"; } 2>/dev/null || { $bb mkdir -p "\${f%/*}" && true > "$f"; } || exit 93
  done < "$d/files"
  true > "$d/log"
  oomkills > "$d/oom0"
  # Detached (own session, no stdio of this exec): the process and its exit record outlive a
  # dropped connection, and this exec being killed with it. Two setsids: the first makes a group
  # leader, so the second forks and returns at once. Not \`&\`: that would make the process ignore SIGINT.
  $bb setsid $bb setsid $bb sh "$d/wrapper.sh" supervise "$d" < /dev/null > /dev/null 2>&1
  follow 0
  ;;
supervise)
  echo $$ > "$d/sup"
${STEP_LAUNCH}
  if cd "$wd" 2>/dev/null; then
    # setsid: a process group of its own, killable as a whole; the inner sh records it and becomes the process.
    $bb setsid $bb sh -c 'echo $$ > "$1"; shift; exec "$@"' kact-exec "$d/pid" $bb env "$@" >> "$d/log" 2>&1 < /dev/null
    code=$?
  else
    echo "kact: working directory $wd does not exist" >> "$d/log"
    code=1
  fi
  [ -n "\${w:-}" ] && kill "$w" 2>/dev/null
  echo "$code" > "$d/exit.tmp" && $bb mv "$d/exit.tmp" "$d/exit"
  echo x 1<> "$d/wake"
  ;;
follow)
  follow "$3"
  ;;
kill)
  i=0
  while [ ! -e "$d/pid" ] && [ ! -e "$d/exit" ] && [ $i -lt 50 ]; do $bb sleep 0.1; i=$((i + 1)); done
  [ -e "$d/exit" ] && exit 0
  read -r p < "$d/pid" || exit 0
  kill -s INT -- "-$p" 2>/dev/null
  i=0
  while [ ! -e "$d/exit" ] && [ $i -lt 50 ]; do $bb sleep 0.1; i=$((i + 1)); done
  [ -e "$d/exit" ] || kill -s KILL -- "-$p" 2>/dev/null
  ;;
esac
`;
}
