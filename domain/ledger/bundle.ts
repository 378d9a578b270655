/**
 * The portable bundle: JSON lines, each the RFC 8785 canonical form of an object with exactly one
 * member: `header` (first line only), `command` (a signed command, just before the first event that
 * cites it) or `event` (an envelope), events in sequence order, anchors included.
 *
 * The header holds nothing that verification cannot check (the key is compared with the auditor's,
 * the head with the last event), so that no byte of a bundle can change unnoticed.
 */
import * as t from 'io-ts'
import { closed, Hex32, integer } from '../codec.js'
import { LEDGER_FORMAT } from './envelope.js'

export const BUNDLE_FORMAT = 'model-ledger-bundle'
/** The ledger format version (docs/ledger-format.md); a bundle of another version is refused. */
export const BUNDLE_VERSION = LEDGER_FORMAT

export const BundleHeaderC = closed(
  {
    format: t.literal(BUNDLE_FORMAT),
    version: t.literal(BUNDLE_VERSION),
    ledgerPublicKey: Hex32,
    head: closed({ sequence: integer('head sequence', 0), hash: Hex32 }),
  },
  'BundleHeader',
)
export type BundleHeader = t.TypeOf<typeof BundleHeaderC>

/**
 * A fault in a bundle's framing rather than in any one line: bytes that are not UTF-8, or a last
 * line without its LF. The file reader raises it in order, after every complete line before it.
 */
export class BundleFramingError extends Error {
  override readonly name = 'BundleFramingError'
  constructor(
    /** The 1-based line the fault is in. */
    readonly line: number,
    message: string,
  ) {
    super(message)
  }
}
