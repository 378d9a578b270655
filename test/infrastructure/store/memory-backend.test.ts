import { describe, expect, it } from 'vitest'
import { createMemoryBackend } from '../../../infrastructure/store/memory-backend.js'
import { describeEventStore } from './conformance.js'

// One backend per fixture: reopening a store over it sees the same log, as a reopened file would.
describeEventStore('memory', () => {
  const backend = createMemoryBackend()
  return { backend: () => backend, dispose: async () => undefined }
})

describe('memory backend', () => {
  it('starts empty and bound to no ledger key', async () => {
    const backend = createMemoryBackend()
    expect(await backend.head()).toEqual({ sequence: 0, hash: '0'.repeat(64), recordedAt: null })
    expect(await backend.ledgerKey()).toBeUndefined()
    expect(await backend.readRange(1, 10)).toEqual([])
  })
})
