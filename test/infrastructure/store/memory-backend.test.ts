import { createMemoryBackend } from '../../../infrastructure/store/memory-backend.js'
import { describeEventStore } from './conformance.js'

// One backend per fixture: reopening a store over it sees the same log, as a reopened file would.
describeEventStore('memory', () => {
  const backend = createMemoryBackend()
  return { backend: () => backend, dispose: async () => undefined }
})
