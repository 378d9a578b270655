export function referencePage(): string {
  return '<!doctype html><title>model-ledger API</title>'
}
