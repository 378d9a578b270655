/** Sources of bundle lines: a bundle file, or a live store rendered as the same lines. */
import { createReadStream } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import { canonicalize } from '../../domain/canonical/jcs.js'
import type { JsonValue } from '../../domain/json.js'
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleHeader } from '../../domain/ledger/bundle.js'
import type { StorageBackend } from '../store/backend.js'

const PAGE = 2000

/**
 * The lines of a bundle file, split on `\n` only (a stray `\r` stays in its line, where the
 * canonical-form check refuses it), yielded as arrays of the lines each read chunk completes.
 */
export async function* bundleFileLines(path: string): AsyncGenerator<string[]> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 })
  const decoder = new StringDecoder('utf8')
  let rest = ''
  try {
    for await (const chunk of stream) {
      const lines = (rest + decoder.write(chunk as Buffer)).split('\n')
      rest = lines.pop() ?? ''
      if (lines.length > 0) yield lines
    }
    rest += decoder.end()
    if (rest !== '') yield [rest]
  } finally {
    stream.destroy()
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
