/** Naming rules for streams and event types (DESIGN.md: streams `area-id`, events past tense). */
export const STREAM_NAME = /^[a-z][a-z0-9]*(?:-[A-Za-z0-9][A-Za-z0-9._:-]{0,190})?$/
export const TYPE_NAME = /^[A-Z][A-Za-z0-9]{0,99}$/

/** The stream and type the sequencer alone writes anchors to. */
export const ANCHOR_STREAM = 'ledger-anchors'
export const ANCHOR_TYPE = 'LedgerAnchored'

/** The stream and type of ledger key rotations (domain/ledger/key-rotation.ts): the sequencer alone writes them. */
export const KEYS_STREAM = 'ledger-keys'
export const ROTATION_TYPE = 'LedgerKeyRotated'
