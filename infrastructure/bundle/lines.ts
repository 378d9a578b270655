/** Sources of bundle lines: a bundle file, or a live store rendered as the same lines. */
import { createReadStream } from 'node:fs'
import { TextDecoder } from 'node:util'
import { canonicalize } from '../../domain/canonical/jcs.js'
import type { JsonValue } from '../../domain/json.js'
import { BUNDLE_FORMAT, BUNDLE_VERSION, BundleFramingError, type BundleHeader } from '../../domain/ledger/bundle.js'
import type { StorageBackend } from '../store/backend.js'

const PAGE = 2000

const LF = 0x0a

/**
 * The lines of a bundle file, yielded as arrays of the lines each read chunk completes. Lines are
 * split on the LF byte and each must be UTF-8 (strictly: no replacement characters are made up);
 * a stray CR stays in its line, where the line check refuses it. Bytes after the last LF, or bytes
 * that are not UTF-8, end the reading with a BundleFramingError naming the line.
 */
export async function* bundleFileLines(path: string): AsyncGenerator<string[]> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 })
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  let rest: Buffer = Buffer.alloc(0)
  let lineNumber = 0
  try {
    for await (const chunk of stream) {
      const bytes = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer])
      const end = bytes.lastIndexOf(LF)
      if (end < 0) {
        rest = bytes
        continue
      }
      const lines = decodeLines(decoder, bytes.subarray(0, end), lineNumber)
      lineNumber += lines.length
      rest = Buffer.from(bytes.subarray(end + 1))
      yield lines
    }
    if (rest.length > 0) throw new BundleFramingError(lineNumber + 1, `line ${lineNumber + 1} does not end in LF: a bundle ends with the LF of its last line, so this one was cut short or added to`)
  } finally {
    stream.destroy()
  }
}

/** Decodes complete lines (the bytes before a final LF), or names the first line that is not UTF-8. */
function decodeLines(decoder: TextDecoder, bytes: Uint8Array, before: number): string[] {
  try {
    return decoder.decode(bytes).split('\n')
  } catch {
    let start = 0
    for (let line = before + 1; start <= bytes.length; line++) {
      const stop = bytes.indexOf(LF, start)
      const end = stop < 0 ? bytes.length : stop
      try {
        decoder.decode(bytes.subarray(start, end))
      } catch {
        throw new BundleFramingError(line, `line ${line} is not UTF-8`)
      }
      start = end + 1
    }
    throw new BundleFramingError(before + 1, 'the bundle is not UTF-8')
  }
}

export async function* eachLine(batches: AsyncIterable<readonly string[]>): AsyncGenerator<string> {
  for await (const batch of batches) yield* batch
}

function headerLine(header: BundleHeader): string {
  return canonicalize({ header } as unknown as JsonValue)
}

/**
 * A store as bundle lines, up to the head at the time of the call: each signed command is written
 * once, just before the first event it caused. `fromSequence` starts after a point verified
 * earlier (an anchor, so a command's events never straddle it); the header still names the head.
 */
export async function* storeLines(backend: StorageBackend, fromSequence = 1): AsyncGenerator<string> {
  const key = await backend.ledgerKey()
  if (key === undefined) throw new Error('the store has no ledger key: it was never initialised')
  const head = await backend.head()
  yield headerLine({ format: BUNDLE_FORMAT, version: BUNDLE_VERSION, ledgerPublicKey: key, head: { sequence: head.sequence, hash: head.hash } })
  let previousCommand: string | null = null
  for (let from = Math.max(1, fromSequence); from <= head.sequence; from += PAGE) {
    const rows = await backend.readRawRange(from, Math.min(PAGE, head.sequence - from + 1))
    for (const row of rows) {
      if (row.commandHash !== null && row.commandHash !== previousCommand) {
        const signed = await backend.readCommand(row.commandHash)
        if (signed === undefined) throw new Error(`the store lacks command ${row.commandHash} cited by sequence ${row.sequence}`)
        yield canonicalize({ command: signed } as unknown as JsonValue)
      }
      previousCommand = row.commandHash
      yield `{"event":${row.json}}`
    }
  }
}
