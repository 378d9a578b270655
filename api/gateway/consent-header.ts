/**
 * `X-Model-Ledger-Consent`: on every answer, whether the checkpoint that produced it was trained on
 * data whose consent was withdrawn (docs/gateway.md):
 *
 *   consented
 *   revoked; count=<n>; contributions=<id>,<id>,…; retrain-by=<ISO 8601>
 *
 * `contributions` lists at most the first MAX_LISTED withdrawn contribution ids (in the order
 * withdrawn), `count` all of them; the MCP resource ledger://consent/{deploymentId} and the models
 * read model have the whole list.
 */
import type { DeploymentConsent } from '../../domain/consent/view.js'

export const CONSENT_HEADER = 'x-model-ledger-consent'
export const MAX_LISTED = 8

export function consentHeader(consent: DeploymentConsent): string {
  if (consent.status === 'consented') return 'consented'
  const listed = consent.contributions.slice(0, MAX_LISTED).join(',')
  return `revoked; count=${consent.contributions.length}; contributions=${listed}; retrain-by=${consent.retrainBy ?? ''}`
}
