/**
 * Building the console (docs/console.md): esbuild bundles api/console/browser/main.ts, with the
 * domain and projection code it imports and the noble libraries, into one app.js; shell.ts gives
 * index.html and console.css; config.json names the API. `npm run build` writes dist/console,
 * which `serve` serves at /console/ and `model-ledger console --out DIR` copies.
 *
 *   node dist/api/console/build.js [DIR]     (default dist/console)
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { CONSOLE_CSS, indexHtml } from './shell.js'

/** The directory holding the package's package.json, found upwards from this module (source or dist). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'api'))) return dir
    if (dirname(dir) === dir) throw new Error(`no package root above ${from}`)
  }
}

/** Where `npm run build` puts the console. */
export function builtConsoleDir(root = packageRoot()): string {
  return join(root, 'dist', 'console')
}

/** The files besides app.js, for an API at `api` ('' when the console is served by the API itself). */
async function writeShell(outDir: string, api: string): Promise<void> {
  await writeFile(join(outDir, 'index.html'), indexHtml(api))
  await writeFile(join(outDir, 'console.css'), CONSOLE_CSS)
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify({ api })}\n`)
}

export interface BuiltConsole {
  readonly dir: string
  readonly scriptBytes: number
}

/** Bundles the browser code into `outDir` (esbuild, a devDependency: from a source checkout only). */
export async function buildConsole(outDir: string, api = ''): Promise<BuiltConsole> {
  const entry = join(packageRoot(), 'api', 'console', 'browser', 'main.ts')
  if (!existsSync(entry)) throw new Error(`the console's sources are not here (${entry}); copy a built console with model-ledger console --out DIR`)
  const { build } = await import('esbuild')
  await mkdir(outDir, { recursive: true })
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(outDir, 'app.js'),
    minify: true,
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'warning',
  })
  await writeShell(outDir, api)
  return { dir: outDir, scriptBytes: (await stat(join(outDir, 'app.js'))).size }
}

/** Copies a built console to `outDir`, pointed at `api`. */
export async function copyConsole(fromDir: string, outDir: string, api = ''): Promise<BuiltConsole> {
  if (!existsSync(join(fromDir, 'app.js'))) throw new Error(`no built console in ${fromDir} (run npm run build)`)
  await mkdir(outDir, { recursive: true })
  await copyFile(join(fromDir, 'app.js'), join(outDir, 'app.js'))
  await writeShell(outDir, api)
  return { dir: outDir, scriptBytes: (await stat(join(outDir, 'app.js'))).size }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = process.argv[2] ?? builtConsoleDir()
  const built = await buildConsole(out)
  process.stdout.write(`console built in ${built.dir} (app.js ${Math.round(built.scriptBytes / 1024)} KiB)\n`)
}
