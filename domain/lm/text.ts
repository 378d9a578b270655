/**
 * Text in and out of the byte-level LM: the prompt template, a chat mapped to a question, and
 * the answer's bytes decoded as they come, with stop strings.
 */
import { END } from './format.js'

const utf8 = new TextEncoder()

export const promptOf = (question: string): string => `### Question:\n${question}\n### Answer:\n`
export const bytesOf = (text: string): number[] => Array.from(utf8.encode(text))

/** A chat turn the LM cannot take: the parameter (`messages[i].role`) and why. */
export class ChatMappingError extends Error {
  override readonly name = 'ChatMappingError'
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The question of a chat: the user turns' contents joined by "\n", each system (or developer)
 * turn as "[system] " + content, in order. The checkpoint is trained on one question and one
 * answer, so an assistant turn (a multi-turn history) or a tool turn is refused, not folded in.
 */
export function questionOf(messages: readonly { readonly role: string; readonly content: string }[]): string {
  const parts: string[] = []
  messages.forEach((m, i) => {
    if (m.role === 'user') parts.push(m.content)
    else if (m.role === 'system' || m.role === 'developer') parts.push(`[system] ${m.content}`)
    else throw new ChatMappingError(`messages[${i}].role`, `messages[${i}] has role ${JSON.stringify(m.role)}: this model answers one question (system and user turns), not a multi-turn history`)
  })
  if (!messages.some((m) => m.role === 'user')) throw new ChatMappingError('messages', 'messages must contain a user turn')
  return parts.join('\n')
}

/**
 * The answer as it grows: bytes in, text out. `text` is the UTF-8 decoding (invalid bytes as
 * U+FFFD) of the bytes so far, without a trailing incomplete character. A stop string ends the
 * answer at its first occurrence (earliest start over all stops), and is not part of it. `safe`
 * is how much of the text can be sent already: it holds back the longest end of the text that
 * could still become a stop string, so a stream never sends what the answer will not contain.
 */
export class AnswerText {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false })
  private decoded = ''
  private cut: number | undefined
  constructor(private readonly stops: readonly string[]) {}

  /** Adds one generated token (END adds nothing); true when a stop string now ends the answer. */
  push(token: number): boolean {
    if (this.cut !== undefined || token === END) return this.cut !== undefined
    const before = this.decoded.length
    this.decoded += this.decoder.decode(new Uint8Array([token]), { stream: true })
    this.findStop(before)
    return this.cut !== undefined
  }

  private findStop(before: number): void {
    let at: number | undefined
    for (const s of this.stops) {
      if (s === '') continue
      const i = this.decoded.indexOf(s, Math.max(0, before - s.length + 1))
      if (i >= 0 && (at === undefined || i < at)) at = i
    }
    if (at !== undefined) this.cut = at
  }

  /** Ends the answer: a trailing incomplete character becomes U+FFFD (unless a stop already cut it). */
  finish(): void {
    if (this.cut !== undefined) return
    const before = this.decoded.length
    this.decoded += this.decoder.decode()
    this.findStop(before)
  }

  get stopped(): boolean {
    return this.cut !== undefined
  }

  /** The answer so far (final after a stop or finish()). */
  get text(): string {
    return this.cut === undefined ? this.decoded : this.decoded.slice(0, this.cut)
  }

  /** How many characters of `text` no later token can take back. */
  get safe(): number {
    if (this.cut !== undefined) return this.cut
    let hold = 0
    for (const s of this.stops) {
      for (let k = Math.min(s.length - 1, this.decoded.length); k > hold; k--) {
        if (this.decoded.endsWith(s.slice(0, k))) {
          hold = k
          break
        }
      }
    }
    return this.decoded.length - hold
  }
}
