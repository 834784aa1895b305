/**
 * The API server's own words for an error a Kubernetes client threw (the `message` of the Status
 * body an ApiException carries, with its HTTP code) instead of the client's dump of headers and
 * body; undefined for any other error. In core, not in @kact/kubernetes, because core describes
 * the errors its backend throws and depends on no backend; the Kubernetes backend uses it too.
 */
export function apiStatusMessage(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, body } = error as { code?: unknown; body?: unknown };
  if (typeof code !== 'number' || body === undefined) return undefined;
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (status as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? `${message} (HTTP ${code})` : undefined;
}
