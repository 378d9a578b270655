/** The model-ledger client SDK: keys, signed commands, queries, blobs and event subscriptions. */
export { createClient, type ActorClient, type ClientOptions, type EconomyRequest, type LedgerClient, type PageOptions, type QueryOptions, type SendOptions } from './client.js'
export { ApiError, isApiError, type Problem } from './errors.js'
export { generateKey, keyFromSeed, loadKey, saveKey, type ActorKey } from './keys.js'
export type { EventSubscription, SubscribeOptions } from './sse.js'
export type * from '../http/wire.js'
