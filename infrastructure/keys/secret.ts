/**
 * A string that must never be printed: JSON, string conversion and util.inspect all show
 * "[redacted]", so a passphrase passed around in options cannot leak through a log line or an
 * error report. Only `reveal()` gives the value, which makes every use easy to find.
 */
import { inspect } from 'node:util'

export const REDACTED = '[redacted]'

export class Secret {
  readonly #value: string

  constructor(value: string) {
    this.#value = value
  }

  reveal(): string {
    return this.#value
  }

  toJSON(): string {
    return REDACTED
  }

  toString(): string {
    return REDACTED
  }

  [inspect.custom](): string {
    return `Secret ${REDACTED}`
  }
}

/** A passphrase as callers hold it: a plain string (tests, prompts) or a Secret. */
export type Passphrase = string | Secret

export function revealPassphrase(passphrase: Passphrase): string {
  return typeof passphrase === 'string' ? passphrase : passphrase.reveal()
}
