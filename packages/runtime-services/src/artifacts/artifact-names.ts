import { HttpError } from '../http-kit.js';

/**
 * The characters GitHub refuses in an artifact name (the toolkit's `validateArtifactName` lists
 * the same ones): NTFS can't store them, and artifacts must download anywhere.
 */
const FORBIDDEN_CHARACTERS: ReadonlyArray<[string, string]> = [
  ['"', 'Double quote "'],
  [':', 'Colon :'],
  ['<', 'Less than <'],
  ['>', 'Greater than >'],
  ['|', 'Vertical bar |'],
  ['*', 'Asterisk *'],
  ['?', 'Question mark ?'],
  ['\r', 'Carriage return \\r'],
  ['\n', 'Line feed \\n'],
  ['\\', 'Backslash \\'],
  ['/', 'Forward slash /'],
];

/** Most file systems cap a file name at 255 bytes, and the name becomes a file name here. */
const MAX_FILE_NAME_BYTES = 255;

/** The folder of a run's artifact folder that holds kact's records and unfinished uploads. */
export const BOOKKEEPING_DIR = '.kact-artifacts';

/** 400 when `name` is not an artifact name GitHub would accept (or one kact can't keep as a file). */
export function validateArtifactName(name: string): void {
  if (!name) throw new HttpError(400, 'the artifact name is empty');
  for (const [character, description] of FORBIDDEN_CHARACTERS) {
    if (name.includes(character)) {
      throw new HttpError(400, `the artifact name is not valid: ${name}. Contains the following character: ${description}`);
    }
  }
  // The toolkit lets these through, but kact stores the artifact under its name.
  if (/[\u0000-\u001f]/.test(name)) throw new HttpError(400, `the artifact name is not valid: ${JSON.stringify(name)}. Contains a control character`);
  if (name === '.' || name === '..' || name.toLowerCase() === BOOKKEEPING_DIR) throw new HttpError(400, `the artifact name is not valid: ${name}`);
}

/**
 * The file an artifact is kept in, in its run's folder. The client uploads a zip named
 * `<name>.zip`, unless it was asked not to archive a single file (`skipArchive`): then the
 * artifact is named after that file and the blob is the file itself.
 */
export function artifactFileName(name: string, mimeType: string | undefined): string {
  const isZip = (mimeType ?? 'application/zip') === 'application/zip';
  const fileName = isZip && !name.toLowerCase().endsWith('.zip') ? `${name}.zip` : name;
  if (Buffer.byteLength(fileName) > MAX_FILE_NAME_BYTES) throw new HttpError(400, `the artifact name is too long: ${name} (kact keeps it as a file, whose name is at most ${MAX_FILE_NAME_BYTES} bytes)`);
  return fileName;
}

/** A run id from a token kact signed is still a folder name here, so it must be one. */
export function validateRunFolderName(runBackendId: string): void {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(runBackendId) || runBackendId.length > 128) {
    throw new HttpError(400, `the workflow run id is not usable as a folder name: ${runBackendId}`);
  }
}
