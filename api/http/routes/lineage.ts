/**
 * Lineage over HTTP: the same reports as `model-ledger lineage` (from a deployment, checkpoint,
 * training job, model, dataset version or contribution), as of the latest checkpoint, every stream
 * it rests on whole and proven, as JSON (check with `model-ledger verify-report`), the
 * self-contained HTML page or the datasheet.
 * Reports come from the process's one lineage index (projections/lineage/live.ts), kept at the
 * latest checkpoint as the log grows: a request reads the events its graph cites and their
 * streams, not the log.
 */
import { Router, type Request, type Response } from 'express'
import { TargetNotFound } from '../../../projections/lineage/graph.js'
import { renderLineageHtml } from '../../../projections/lineage/html.js'
import type { LiveLineage } from '../../../projections/lineage/live.js'
import type { LineageQuery } from '../../../projections/lineage/report.js'
import { renderDatasheet } from '../../../projections/lineage/datasheet.js'
import { ProofUnavailable } from '../../../infrastructure/proofs/build-proof.js'
import { HEX64, pathParam, queryValue, wholeNumber } from '../params.js'
import { HttpProblem } from '../problem.js'

export function lineageRouter(lineage: LiveLineage): Router {
  const router = Router()
  const send = async (req: Request, res: Response, target: LineageQuery) => {
    const format = queryValue(req, 'format') ?? 'json'
    if (!['json', 'html', 'datasheet'].includes(format)) throw new HttpProblem('malformed', 'format is json, html or datasheet')
    let report
    try {
      report = await lineage.report(target)
    } catch (error) {
      if (error instanceof TargetNotFound) throw new HttpProblem('not-found', error.message)
      if (error instanceof ProofUnavailable) throw new HttpProblem('not-found', error.message, { code: 'no-checkpoint' })
      throw error
    }
    if (format === 'html') res.type('html').send(renderLineageHtml(report))
    else if (format === 'datasheet') res.type('text/markdown').send(renderDatasheet(report))
    else res.json(report)
  }
  router.get('/lineage/versions/:datanetId/:version', (req, res) =>
    send(req, res, { kind: 'dataset-version', datanetId: pathParam(req, 'datanetId', HEX64, 'a datanet id'), version: wholeNumber(req.params.version, 'version', { min: 1 }) }),
  )
  router.get('/lineage/mandates/:mandateId', (req, res) => send(req, res, { kind: 'mandate', mandateId: pathParam(req, 'mandateId', HEX64, 'a mandate id') }))
  router.get('/lineage/contributions/:contentHash', (req, res) =>
    send(req, res, { kind: 'contribution', contentHash: pathParam(req, 'contentHash', HEX64, 'a content hash') }),
  )
  router.get('/lineage/deployments/:deploymentId', (req, res) => send(req, res, { kind: 'deployment', deploymentId: pathParam(req, 'deploymentId', HEX64, 'a deployment id') }))
  router.get('/lineage/checkpoints/:root', (req, res) => send(req, res, { kind: 'checkpoint', root: pathParam(req, 'root', HEX64, 'a checkpoint root') }))
  router.get('/lineage/jobs/:jobId', (req, res) => send(req, res, { kind: 'training-job', jobId: pathParam(req, 'jobId', HEX64, 'a training job id') }))
  router.get('/lineage/models/:mandateId', (req, res) => send(req, res, { kind: 'mandate', mandateId: pathParam(req, 'mandateId', HEX64, 'a mandate id') }))
  // Any id, looked up as a deployment, a training job, a checkpoint root, then a mandate (as `model-ledger lineage ID`).
  router.get('/lineage/:id', (req, res) => send(req, res, { kind: 'id', id: pathParam(req, 'id', HEX64, 'a deployment, training job, checkpoint or mandate id') }))
  return router
}
