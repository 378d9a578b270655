/**
 * The command window: a signed command is decided only when the time it was signed at (its
 * `issuedAt`) lies within the genesis's window around the time it is recorded at. Both times are
 * in the log (the command and its first event), so a verifier re-deciding the command checks the
 * window too.
 */
import { domainError, type DecisionContext } from '../decider.js'
import type { GovernanceError } from './errors.js'
import type { CommandWindow } from './params.js'
import { toMs } from './time.js'

/** The refusal for a command outside the window, or undefined when it lies within. */
export function outsideWindow(window: CommandWindow, ctx: DecisionContext): GovernanceError | undefined {
  const issued = toMs(ctx.issuedAt)
  const recorded = toMs(ctx.recordedAt)
  const details = { issuedAt: ctx.issuedAt, recordedAt: ctx.recordedAt, pastMs: window.pastMs, futureMs: window.futureMs }
  // A time that does not parse is outside every window (NaN compares false both ways).
  if (!Number.isFinite(issued) || !Number.isFinite(recorded) || issued < recorded - window.pastMs) {
    return domainError('command-expired', `the command was issued at ${ctx.issuedAt}, more than ${window.pastMs} ms before it would be recorded (${ctx.recordedAt}); sign it again`, details)
  }
  if (issued > recorded + window.futureMs) {
    return domainError('command-from-future', `the command is dated ${ctx.issuedAt}, more than ${window.futureMs} ms after it would be recorded (${ctx.recordedAt}); check the signer's clock`, details)
  }
  return undefined
}
