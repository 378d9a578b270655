/**
 * What the consent rules remember: per sealed dataset version, the contributions withdrawn after it
 * was sealed (a version sealed later leaves them out); and the deployments suspended for consent.
 */
export interface Withdrawal {
  readonly contributionId: string
  /** When ContributionRevoked was recorded (ms), and its sequence. */
  readonly at: number
  readonly sequence: number
}

export interface ConsentState {
  /** `datanetId:version` → its withdrawn contributions, in the order withdrawn. */
  readonly withdrawn: ReadonlyMap<string, readonly Withdrawal[]>
  /** Deployment id → the sequence of its DeploymentSuspendedForConsent, until it serves a checkpoint in consent again. */
  readonly suspended: ReadonlyMap<string, number>
}

export const initialConsentState: ConsentState = { withdrawn: new Map(), suspended: new Map() }
