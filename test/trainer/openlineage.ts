/**
 * Validates OpenLineage events against the official run event schema (2-0-2) and, for every facet
 * an event carries, against the schema its `_schemaURL` names: the standard facets' official
 * schemas (test/fixtures/openlineage/) and this project's (docs/openlineage/). A facet whose
 * schema is not known is itself a fault.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

const load = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { $id: string })

export function openLineageValidator(): (event: unknown) => string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  for (const schema of [...load('test/fixtures/openlineage'), ...load('docs/openlineage')]) ajv.addSchema(schema)
  const check = (schemaUrl: string, value: unknown, where: string): string[] => {
    const validate = ajv.getSchema(schemaUrl)
    if (validate === undefined) return [`${where}: no schema ${schemaUrl}`]
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message ?? ''}`)
  }
  return (event) => {
    const faults = check('https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent', event, 'event')
    const e = event as { run: { facets?: object }; job: { facets?: object }; inputs?: { facets?: object }[]; outputs?: { facets?: object }[] }
    const groups: [string, object | undefined][] = [
      ['run', e.run.facets],
      ['job', e.job.facets],
      ...(e.inputs ?? []).map((d, i): [string, object | undefined] => [`inputs[${i}]`, d.facets]),
      ...(e.outputs ?? []).map((d, i): [string, object | undefined] => [`outputs[${i}]`, d.facets]),
    ]
    for (const [where, facets] of groups) {
      for (const [name, facet] of Object.entries(facets ?? {})) faults.push(...check(String((facet as { _schemaURL?: unknown })._schemaURL), facet, `${where}.${name}`))
    }
    return faults
  }
}
