/** Query and path parameters, parsed strictly: anything unexpected is a 400, never a guess. */
import type { Request } from 'express'
import { HttpProblem } from './problem.js'

const WHOLE = /^\d{1,15}$/

export function wholeNumber(value: unknown, name: string, options: { min?: number; max?: number } = {}): number {
  if (typeof value !== 'string' || !WHOLE.test(value)) throw new HttpProblem('malformed', `${name} must be a whole number`)
  const n = Number(value)
  const min = options.min ?? 0
  if (n < min || (options.max !== undefined && n > options.max)) {
    throw new HttpProblem('malformed', `${name} must be between ${min} and ${options.max ?? Number.MAX_SAFE_INTEGER}`)
  }
  return n
}

/** A single query value (a repeated parameter is malformed: it would be ambiguous). */
export function queryValue(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new HttpProblem('malformed', `give ${name} once, as a plain value`)
  return value
}

export function optionalWhole(req: Request, name: string, fallback: number, options: { min?: number; max?: number } = {}): number {
  const value = queryValue(req, name)
  return value === undefined ? fallback : wholeNumber(value, name, options)
}

export function pathParam(req: Request, name: string, pattern: RegExp, what: string): string {
  const value = req.params[name]
  if (typeof value !== 'string' || !pattern.test(value)) throw new HttpProblem('malformed', `${name} must be ${what}`)
  return value
}

export const HEX64 = /^[0-9a-f]{64}$/
export const DEFAULT_PAGE = 100
export const MAX_PAGE = 1000
