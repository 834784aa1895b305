import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobUpload } from '../blob-endpoint.js';
import { ByteBudget, isNotFound, readJsonFile, writeJsonAtomic, type WrittenFile } from '../file-io.js';
import { HttpError } from '../http-kit.js';
import { artifactFileName, BOOKKEEPING_DIR, validateArtifactName, validateRunFolderName } from './artifact-names.js';
import { KeyedLock } from './keyed-lock.js';

export interface ArtifactStoreOptions {
  /** The folder artifacts are kept in (act's `--artifact-server-path`); a run's go to `<root>/<runBackendId>/`. */
  root: string;
  /** The largest artifact (the uploaded zip) accepted, in bytes. Default 10 GiB. */
  maxArtifactBytes?: number;
}

/** Who asks: the ids of a job's runtime token. */
export interface JobScope {
  runBackendId: string;
  jobBackendId: string;
}

/** What kact keeps about an artifact, in `<root>/<run>/.kact-artifacts/<id>.json`. */
export interface ArtifactRecord {
  /** GitHub's `database_id`: numbered from 1 in each run, never reused, so newer means larger. */
  id: number;
  name: string;
  /** The artifact's file in its run's folder: `<name>.zip`, or the file itself when uploaded unarchived. */
  fileName: string;
  mimeType: string;
  runBackendId: string;
  /** The job that uploaded it. */
  jobBackendId: string;
  createdAt: string;
  /** The retention the uploader asked for; kact keeps artifacts until the user removes them. */
  expiresAt?: string;
  /** False until FinalizeArtifact: such an artifact is neither listed nor downloadable. */
  finalized: boolean;
  size: number;
  /** `sha256:<hex>` of the blob, as the toolkit computes it. */
  digest?: string;
}

const DEFAULT_MAX_ARTIFACT_BYTES = 10 * 1024 ** 3;

/**
 * Artifacts on the local file system. A finalized artifact is `<root>/<run>/<fileName>`, where
 * a user finds it after the run; everything else lives under `<root>/<run>/.kact-artifacts/`:
 * one JSON record per artifact, the run's last id, and `uploads/<id>/` for an upload in progress
 * (its staged blocks, then the committed blob, which FinalizeArtifact renames into place).
 */
export class ArtifactStore {
  readonly root: string;
  readonly maxArtifactBytes: number;
  private readonly lock = new KeyedLock();
  /** Per upload in progress (`<run>/<id>`): the bytes its blocks may still take. */
  private readonly budgets = new Map<string, ByteBudget>();

  constructor(options: ArtifactStoreOptions) {
    this.root = options.root;
    this.maxArtifactBytes = options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
  }

  /** The run's folder, where its finalized artifacts are. */
  runDir(runBackendId: string): string {
    validateRunFolderName(runBackendId);
    return join(this.root, runBackendId);
  }

  /** Where a finalized artifact's blob is. */
  filePath(record: ArtifactRecord): string {
    return join(this.runDir(record.runBackendId), record.fileName);
  }

  /**
   * A new artifact, not finalized. The name must be free in the run, as on GitHub; a job that
   * creates again a name it has not finalized (its upload failed, or the response was lost and
   * the client retried) starts over instead.
   */
  async create(scope: JobScope, request: { name: string; mimeType?: string; expiresAt?: string }): Promise<ArtifactRecord> {
    const run = scope.runBackendId;
    validateArtifactName(request.name);
    const mimeType = request.mimeType || 'application/zip';
    const fileName = artifactFileName(request.name, mimeType);
    return this.lock.run(run, async () => {
      const restarted: ArtifactRecord[] = [];
      for (const other of await this.records(run)) {
        if (other.name === request.name && !other.finalized && other.jobBackendId === scope.jobBackendId) {
          restarted.push(other);
        } else if (other.name === request.name) {
          throw new HttpError(409, 'an artifact with this name already exists on the workflow run');
        } else if (other.name.toLowerCase() === request.name.toLowerCase() || other.fileName.toLowerCase() === fileName.toLowerCase()) {
          // Two files whose names differ only in case are one file on macOS and Windows.
          throw new HttpError(409, `an artifact with this name already exists on the workflow run: '${request.name}' would be stored as ${fileName}, as '${other.name}' is (kact keeps artifacts as files)`);
        }
      }
      for (const record of restarted) await this.discard(record);
      const record: ArtifactRecord = {
        id: await this.nextId(run),
        name: request.name,
        fileName,
        mimeType,
        runBackendId: run,
        jobBackendId: scope.jobBackendId,
        createdAt: new Date().toISOString(),
        ...(request.expiresAt ? { expiresAt: request.expiresAt } : {}),
        finalized: false,
        size: 0,
      };
      await mkdir(this.uploadDir(run, record.id), { recursive: true });
      await writeJsonAtomic(this.recordPath(run, record.id), record);
      this.budgets.set(budgetKey(run, record.id), new ByteBudget(this.maxArtifactBytes));
      return record;
    });
  }

  /**
   * Where the blob endpoint writes an upload's blocks and blob: `uploads/<id>/` of an artifact that
   * is not finalized (404 once it was finalized, deleted or created again), its size and digest in
   * `blob.json` beside the blob for FinalizeArtifact to check.
   */
  async blobUpload(runBackendId: string, id: number): Promise<BlobUpload> {
    const upload = await this.uploadInProgress(runBackendId, id);
    const description = join(upload, 'blob.json');
    return {
      blobPath: join(upload, 'blob'),
      blockDir: join(upload, 'blocks'),
      budget: this.budgetFor(runBackendId, id),
      // The blob and its size/digest are two files: the old description goes first, so
      // FinalizeArtifact never pairs a new blob with an old digest.
      beforeReplace: () => rm(description, { force: true }),
      onComplete: (blob) => writeJsonAtomic(description, blob),
    };
  }

  /**
   * Makes the artifact visible: checks the blob against the size and digest the client
   * measured while uploading, then moves it to `<root>/<run>/<fileName>`.
   */
  async finalize(scope: JobScope, name: string, expected: { size?: number; digest?: string }): Promise<ArtifactRecord> {
    const run = scope.runBackendId;
    return this.lock.run(run, async () => {
      const records = (await this.records(run)).filter((r) => r.name === name);
      const pending = records.find((r) => !r.finalized);
      if (!pending) {
        if (records.length > 0) throw new HttpError(409, `artifact ${name} is already finalized`);
        throw new HttpError(404, `artifact ${name} was not created in this workflow run`);
      }
      const upload = this.uploadDir(run, pending.id);
      const blob = await readJsonFile<WrittenFile>(join(upload, 'blob.json'));
      if (!blob) throw new HttpError(400, `the upload of artifact ${name} is incomplete: no blob was committed`);
      if (expected.size !== undefined && expected.size !== blob.size) {
        throw new HttpError(400, `artifact ${name}: the client uploaded ${expected.size} bytes but ${blob.size} arrived`);
      }
      const digest = `sha256:${blob.sha256}`;
      if (expected.digest && expected.digest.toLowerCase() !== digest) {
        throw new HttpError(400, `artifact ${name}: the uploaded content's digest is ${digest}, not ${expected.digest} as the client computed`);
      }
      const finalized: ArtifactRecord = { ...pending, finalized: true, size: blob.size, digest };
      await rename(join(upload, 'blob'), this.filePath(finalized));
      await writeJsonAtomic(this.recordPath(run, pending.id), finalized);
      await rm(upload, { recursive: true, force: true });
      this.budgets.delete(budgetKey(run, pending.id));
      return finalized;
    });
  }

  /** The run's finalized artifacts, oldest first; `name` matches exactly, as GitHub's filter. */
  async list(runBackendId: string, filter: { name?: string; id?: number } = {}): Promise<ArtifactRecord[]> {
    const records = await this.records(runBackendId);
    return records
      .filter((r) => r.finalized && (filter.name === undefined || r.name === filter.name) && (filter.id === undefined || r.id === filter.id))
      .sort((a, b) => a.id - b.id);
  }

  /** Removes a finalized artifact: its record first, so it is never listed without its file. */
  async delete(runBackendId: string, name: string): Promise<ArtifactRecord> {
    return this.lock.run(runBackendId, async () => {
      const record = (await this.records(runBackendId)).find((r) => r.finalized && r.name === name);
      if (!record) throw new HttpError(404, `artifact not found: ${name}`);
      await rm(this.recordPath(runBackendId, record.id), { force: true });
      await rm(this.filePath(record), { force: true });
      return record;
    });
  }

  /** Drops the run's unfinished uploads (jobs that failed mid-upload), for kact to call when a run ends. Returns how many. */
  async discardIncomplete(runBackendId: string): Promise<number> {
    return this.lock.run(runBackendId, async () => {
      const pending = (await this.records(runBackendId)).filter((r) => !r.finalized);
      for (const record of pending) await this.discard(record);
      return pending.length;
    });
  }

  /** The folder of an upload that may still take blocks; 404 once it was finalized, deleted or restarted. */
  private async uploadInProgress(run: string, id: number): Promise<string> {
    const record = await readJsonFile<ArtifactRecord>(this.recordPath(run, id));
    if (!record || record.finalized) throw new HttpError(404, `no upload in progress for artifact ${id}: it was finalized, deleted or created again`);
    return this.uploadDir(run, id);
  }

  private budgetFor(run: string, id: number): ByteBudget {
    const key = budgetKey(run, id);
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = new ByteBudget(this.maxArtifactBytes);
      this.budgets.set(key, budget);
    }
    return budget;
  }

  private async discard(record: ArtifactRecord): Promise<void> {
    await rm(this.recordPath(record.runBackendId, record.id), { force: true });
    await rm(this.uploadDir(record.runBackendId, record.id), { recursive: true, force: true });
    this.budgets.delete(budgetKey(record.runBackendId, record.id));
  }

  private async records(run: string): Promise<ArtifactRecord[]> {
    let entries: string[];
    try {
      entries = await readdir(this.bookkeepingDir(run));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const records: ArtifactRecord[] = [];
    for (const entry of entries) {
      if (!/^\d+\.json$/.test(entry)) continue;
      const record = await readJsonFile<ArtifactRecord>(join(this.bookkeepingDir(run), entry));
      if (record) records.push(record);
    }
    return records;
  }

  /** Ids come from a counter file rather than the records: a deleted artifact's id is never given again. */
  private async nextId(run: string): Promise<number> {
    const counter = join(this.bookkeepingDir(run), 'last-id.json');
    await mkdir(this.bookkeepingDir(run), { recursive: true });
    const id = ((await readJsonFile<number>(counter)) ?? 0) + 1;
    await writeJsonAtomic(counter, id);
    return id;
  }

  private bookkeepingDir(run: string): string {
    return join(this.runDir(run), BOOKKEEPING_DIR);
  }

  private recordPath(run: string, id: number): string {
    return join(this.bookkeepingDir(run), `${id}.json`);
  }

  private uploadDir(run: string, id: number): string {
    return join(this.bookkeepingDir(run), 'uploads', String(id));
  }
}

function budgetKey(run: string, id: number): string {
  return `${run}/${id}`;
}
