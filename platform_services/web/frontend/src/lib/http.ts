/** JSON over fetch with typed errors: every service's error body becomes an `ApiError`. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

/** A network failure (offline, DNS, refused): the request may be retried as is. */
export class OfflineError extends Error {}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  rawBody?: string | Blob;
  contentType?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

export async function send(url: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers["Authorization"] = `Bearer ${options.token}`;
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  } else if (options.rawBody !== undefined) {
    headers["Content-Type"] = options.contentType ?? "text/plain";
    body = options.rawBody;
  }
  let response: Response;
  try {
    response = await fetch(url, { method: options.method ?? "GET", headers, body, cache: "no-store" });
  } catch (error) {
    throw new OfflineError(error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

async function errorOf(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  let details: Record<string, unknown> = {};
  try {
    const body = (await response.json()) as { code?: string; error?: string; message?: string; details?: Record<string, unknown> };
    code = body.code ?? body.error ?? code;
    message = body.message ?? message;
    details = body.details ?? {};
  } catch {
    /* not JSON: keep the status text */
  }
  const header = response.headers.get("Retry-After");
  const retry = header !== null ? Number(header) : Number(details["retry_after_seconds"] ?? details["retry_after"] ?? NaN);
  return new ApiError(response.status, code, message, details, Number.isFinite(retry) ? retry : null);
}

export async function json<T>(url: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(url, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
