/**
 * What projections need of the log: reading in order and the head; following it live besides.
 * Any EventStore is both; a read-only view of a ledger file (the CLI's) is only a LogReader.
 */
import type { EventStore } from '../domain/ports/event-store.js'

export type LogReader = Pick<EventStore, 'readAll' | 'head'>
export type LiveLog = LogReader & Pick<EventStore, 'subscribe'>
