/**
 * Files read back out of a pod as text on a stream: `<marker> file` then the file's bytes in
 * base64 lines, per file in order, then `<marker> end`. The marker is random per read, so a
 * step's own output cannot be taken for a record.
 */

/** Shell function text: `print_files <marker> <path>…` writes the records to stdout ($bb: the pod's busybox). */
export const PRINT_FILES_FUNCTION = `print_files() {
  m=$1; shift
  for f; do
    printf '%s file\\n' "$m"
    [ -s "$f" ] && $bb base64 < "$f"
  done
  printf '%s end\\n' "$m"
}`;

/** The files' contents, or undefined when the records are incomplete (no end line). */
export function parseFileRecords(text: string, marker: string): string[] | undefined {
  const files: string[][] = [];
  for (const line of text.split('\n')) {
    if (line === `${marker} file`) files.push([]);
    else if (line === `${marker} end`) return files.map((lines) => Buffer.from(lines.join(''), 'base64').toString('utf8'));
    else if (files.length) files[files.length - 1]!.push(line.trim());
  }
  return undefined;
}
