/** Deployments and usage: the commands, events, rules and state that the economy vertical runs. */
export * from './codecs.js'
export { decideDeployment } from './decide.js'
export { evolveDeployment, evolveUsageMoney } from './evolve.js'
export { feeRecipients, splitFees, splitHash, type FeeRecipients, type FeeSplit } from './split.js'
export * from './state.js'
export * from './values.js'
