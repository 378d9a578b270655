/** The SDK's one error type: the server's RFC 9457 problem, or a transport failure shaped like one. */
export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly instance?: string
  readonly requestId?: string
  /** The domain's stable refusal code, for domain-rule and role-missing problems. */
  readonly code?: string
  readonly details?: Readonly<Record<string, string | number | boolean | null>>
}

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`)
  }
  get status(): number {
    return this.problem.status
  }
  /** The problem kind: the last segment of its type URI (`bad-signature`, `domain-rule` …). */
  get kind(): string {
    return this.problem.type.slice(this.problem.type.lastIndexOf('/') + 1)
  }
  get code(): string | undefined {
    return this.problem.code
  }
}

export function isApiError(error: unknown, kind?: string): error is ApiError {
  return error instanceof ApiError && (kind === undefined || error.kind === kind)
}

function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false
  const p = value as Record<string, unknown>
  return typeof p.type === 'string' && typeof p.status === 'number' && typeof p.title === 'string'
}

/** The error a non-2xx response stands for. */
export async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  if (isProblem(body)) return new ApiError({ ...body, detail: typeof body.detail === 'string' ? body.detail : '' })
  return new ApiError({ type: 'about:blank', title: response.statusText, status: response.status, detail: text.slice(0, 200) })
}
