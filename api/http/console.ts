/**
 * The auditor's console (docs/console.md) under /console/: the static files `npm run build` puts
 * in dist/console, served as they are. The console's script checks every answer in the browser,
 * so this router only serves files; its policy lets the page run its own script and call this API.
 */
import express, { Router } from 'express'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { HttpProblem } from './problem.js'

/** Scripts, styles and calls from this origin only; nothing framed, no forms, no plugins. */
export const CONSOLE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

export function consoleRouter(dir: string): Router {
  const router = Router()
  const built = existsSync(join(dir, 'index.html'))
  router.use((req, res, next) => {
    if (!built) return next(new HttpProblem('not-found', `the console is not built in ${dir} (npm run build)`))
    // /console without the slash would resolve the page's relative script paths against /.
    if (req.originalUrl === '/console' || req.originalUrl.startsWith('/console?')) return res.redirect(301, `/console/${req.originalUrl.slice('/console'.length)}`)
    res.setHeader('content-security-policy', CONSOLE_POLICY)
    res.setHeader('cache-control', 'no-cache')
    next()
  })
  router.use(express.static(dir, { index: 'index.html', redirect: false, dotfiles: 'ignore', cacheControl: false, etag: true }))
  return router
}
