/**
 * Starting a worker thread from a module next to the caller. Built, the module is plain
 * JavaScript. Run from source (tests, tsx), it is TypeScript: a small bootstrap registers tsx's
 * loader inside the worker first, since Node 20 workers ignore --import.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker, type ResourceLimits } from 'node:worker_threads'

/** The file URL of tsx's ESM API, read from tsx's own package exports. */
function tsxEsmApi(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> }
  const target = manifest.exports['./esm/api']?.import.default
  if (target === undefined) throw new Error('tsx does not export ./esm/api')
  return pathToFileURL(join(dirname(manifestPath), target)).href
}

/** `name` without extension, resolved against `callerUrl` (the caller's import.meta.url). */
export function spawnSibling(callerUrl: string, name: string, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  // A worker inherits the process's flags; --input-type (a parent started with -e) is refused for a worker's file.
  const execArgv = process.execArgv.filter((flag, i, all) => !flag.startsWith('--input-type') && all[i - 1] !== '--input-type')
  const options = { workerData, execArgv, ...(resourceLimits === undefined ? {} : { resourceLimits }) }
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options)
  const api = JSON.stringify(tsxEsmApi())
  const entry = JSON.stringify(new URL(`./${name}.ts`, callerUrl).href)
  const bootstrap = `import(${api}).then((tsx) => { tsx.register(); return import(${entry}) })`
  return new Worker(bootstrap, { eval: true, ...options })
}
