/**
 * model-ledger console --out DIR [--api URL]: the auditor's console as static files, for any web
 * server. It talks to the API at URL (which must allow the console's origin: serve --cors).
 */
import { builtConsoleDir, copyConsole } from '../../console/build.js'
import { EXIT, flag, parse, printJson, required, str, UsageError, type Command } from '../io.js'

export const consoleCommand: Command = {
  name: 'console',
  summary: "write the auditor's console as static files (it verifies every answer in the browser)",
  usage: `model-ledger console --out DIR [--api URL] [--json]

Writes index.html, console.css, app.js and config.json to DIR (docs/console.md). The console calls
the HTTP API at --api (default: the origin that serves the files, as serve does at /console/);
serve that API with --cors <the console's origin>. It checks every answer against the ledger key
the user pins in the browser.`,
  async run(argv) {
    const args = parse(argv, { out: { type: 'string' }, api: { type: 'string' }, json: { type: 'boolean' } })
    const out = required(str(args, 'out'), '--out')
    const api = str(args, 'api') ?? ''
    if (api !== '' && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(api)) throw new UsageError('--api takes an http(s) URL')
    const built = await copyConsole(builtConsoleDir(), out, api.replace(/\/$/, ''))
    if (flag(args, 'json')) printJson({ out: built.dir, api, scriptBytes: built.scriptBytes })
    else process.stdout.write(`wrote the console to ${built.dir}${api === '' ? '' : ` for the API at ${api}`}\n`)
    return EXIT.ok
  },
}
