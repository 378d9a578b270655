/** Reading the HTTP API (docs/http-api.md): JSON, text and NDJSON, with problem details as errors. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export interface JsonAnswer<T> {
  readonly body: T
  /** The read models' sequence the answer stands at (X-Ledger-Checkpoint), when the route says. */
  readonly checkpoint: number | undefined
}

export interface Api {
  /** The API's base URL ('' for the origin that served the console). */
  readonly base: string
  json<T>(path: string): Promise<JsonAnswer<T>>
  text(path: string): Promise<string>
}

async function problem(response: Response): Promise<ApiError> {
  let detail = response.statusText
  try {
    const body = (await response.json()) as { title?: string; detail?: string }
    detail = body.detail ?? body.title ?? detail
  } catch {
    // Not a problem document: the status says enough.
  }
  return new ApiError(response.status, `${response.status}: ${detail}`)
}

export function createApi(base: string): Api {
  const get = async (path: string): Promise<Response> => {
    const response = await fetch(`${base}${path}`, { headers: { accept: 'application/json, text/plain, application/x-ndjson' } })
    if (!response.ok) throw await problem(response)
    return response
  }
  return {
    base,
    async json<T>(path: string): Promise<JsonAnswer<T>> {
      const response = await get(path)
      const header = response.headers.get('x-ledger-checkpoint')
      return { body: (await response.json()) as T, checkpoint: header === null ? undefined : Number(header) }
    },
    async text(path: string): Promise<string> {
      return (await get(path)).text()
    },
  }
}
