/** Training jobs: the commands, events, rules and state that the economy vertical runs. */
export * from './codecs.js'
export { checkpointRoot, sortedFiles } from './checkpoint.js'
export { decideTraining } from './decide.js'
export { evolveTraining, isTrainingEvent } from './evolve.js'
export { judge, type Rubric } from './rubric.js'
export * from './state.js'
export * from './values.js'
export { attributionOf } from './attribution.js'
