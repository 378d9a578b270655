/** Wall-clock time in milliseconds since the Unix epoch. The ledger records it; rules read it from the log. */
export interface Clock {
  now(): number
}
