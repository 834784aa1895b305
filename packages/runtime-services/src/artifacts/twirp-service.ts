import { HttpError, readJson, sendJson, type Route, type RouteContext, type RunCredentials } from '../http-kit.js';
import type { ArtifactRecord, ArtifactStore, JobScope } from './artifact-store.js';
import { signedDownloadUrl, signedUploadUrl } from './blob-endpoints.js';

export const ARTIFACT_SERVICE_PATH = '/twirp/github.actions.results.api.v1.ArtifactService/';

export interface ArtifactServiceOptions {
  /** How long the signed upload and download URLs stay valid; default that of `RunCredentials.sign`. */
  signedUrlTtlMs?: number;
}

/*
 * The toolkit's Twirp JSON client (protobuf-ts) sends proto field names (snake_case), wrapper
 * types (StringValue, Int64Value) as their bare value, int64 as a string and Timestamp as an
 * RFC 3339 string; it reads either casing back. kact answers in snake_case, as GitHub does:
 * the client masks `signed_upload_url` and `signed_url` in logs only under those names.
 */
type Body = Record<string, unknown>;
type Method = (scope: JobScope, body: Body, context: RouteContext) => Promise<Body>;

/** `github.actions.results.api.v1.ArtifactService` over Twirp JSON, scoped to the run of the caller's runtime token. */
export function artifactTwirpService(store: ArtifactStore, credentials: RunCredentials, options: ArtifactServiceOptions = {}): Route {
  const ttl = options.signedUrlTtlMs;
  const methods: Record<string, Method> = {
    async CreateArtifact(scope, body, { url }) {
      const record = await store.create(scope, {
        name: stringField(body, 'name') ?? '',
        mimeType: wrappedString(body, 'mime_type'),
        expiresAt: stringField(body, 'expires_at'),
      });
      return { ok: true, signed_upload_url: signedUploadUrl(url, record, credentials, ttl).href };
    },

    async FinalizeArtifact(scope, body) {
      const size = int64Field(body, 'size');
      const record = await store.finalize(scope, stringField(body, 'name') ?? '', {
        ...(size !== undefined ? { size } : {}),
        ...(wrappedString(body, 'hash') ? { digest: wrappedString(body, 'hash') } : {}),
      });
      return { ok: true, artifact_id: String(record.id) };
    },

    async ListArtifacts(scope, body) {
      const name = wrappedString(body, 'name_filter');
      const id = int64Field(body, 'id_filter');
      const records = await store.list(scope.runBackendId, { ...(name !== undefined ? { name } : {}), ...(id !== undefined ? { id } : {}) });
      return { artifacts: records.map(monolithArtifact) };
    },

    async GetSignedArtifactURL(scope, body, { url }) {
      // The request names the job that uploaded the artifact, not the caller's: any job of the run may download it.
      const name = stringField(body, 'name') ?? '';
      const [record] = await store.list(scope.runBackendId, { name });
      if (!record) throw new HttpError(404, `artifact not found: ${name}`);
      return { signed_url: signedDownloadUrl(url, record, credentials, ttl).href };
    },

    async DeleteArtifact(scope, body) {
      const record = await store.delete(scope.runBackendId, stringField(body, 'name') ?? '');
      return { ok: true, artifact_id: String(record.id) };
    },
  };

  return async (context) => {
    const { req, res, url } = context;
    if (!url.pathname.startsWith(ARTIFACT_SERVICE_PATH)) return false;
    const method = methods[url.pathname.slice(ARTIFACT_SERVICE_PATH.length)];
    if (req.method !== 'POST' || !method) throw new HttpError(404, `no such Twirp method: ${req.method} ${url.pathname}`);
    const scope = credentials.authorize(req);
    if (/protobuf/.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'kact serves the Twirp JSON encoding only (Content-Type: application/json)');
    const body = await readJson<unknown>(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'the request body is not a JSON object');
    const requestRun = stringField(body as Body, 'workflow_run_backend_id');
    if (requestRun !== undefined && requestRun !== scope.runBackendId) {
      throw new HttpError(403, `the runtime token is for workflow run ${scope.runBackendId}, not ${requestRun}`);
    }
    sendJson(res, 200, await method(scope, body as Body, context));
    return true;
  };
}

function monolithArtifact(record: ArtifactRecord): Body {
  return {
    workflow_run_backend_id: record.runBackendId,
    workflow_job_run_backend_id: record.jobBackendId,
    database_id: String(record.id),
    name: record.name,
    size: String(record.size),
    created_at: record.createdAt,
    ...(record.digest ? { digest: record.digest } : {}),
  };
}

/** A field by its proto name, or the camelCase JSON name protobuf JSON parsers also accept. */
function field(body: Body, protoName: string): unknown {
  return body[protoName] ?? body[protoName.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];
}

function stringField(body: Body, protoName: string): string | undefined {
  const value = field(body, protoName);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `${protoName} must be a string`);
  return value;
}

/** A google.protobuf.StringValue: a bare string in JSON. */
function wrappedString(body: Body, protoName: string): string | undefined {
  const value = field(body, protoName);
  return stringField({ [protoName]: isWrapper(value) ? value.value : value }, protoName);
}

/** An int64 (or Int64Value): a decimal string in JSON, which parsers also accept as a number. */
function int64Field(body: Body, protoName: string): number | undefined {
  let value = field(body, protoName);
  if (isWrapper(value)) value = value.value;
  if (value === undefined || value === null) return undefined;
  const text = String(value);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new HttpError(400, `${protoName} must be a non-negative integer`);
  return Number(text);
}

function isWrapper(value: unknown): value is { value: unknown } {
  return typeof value === 'object' && value !== null && 'value' in value;
}
