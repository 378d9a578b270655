/**
 * The console's entry: reads config.json (the API's base URL; empty for the origin that served
 * the page), the pinned key, and draws the page the hash names. Routes are hashes so the console
 * works as plain static files anywhere. Each page draws the server's answer, then the checks it
 * made, and sets body[data-state] to ready (or error) when done.
 */
import { Checks, checksPanel } from './checks.js'
import type { Context, Page } from './context.js'
import { h, link } from './dom.js'
import { createApi, type Api } from './http.js'
import { collectionRoutes, parametersPage } from './pages/collections.js'
import { datasheetPage, lineagePage } from './pages/lineage.js'
import { checkpointsPage, commandPage, eventPage, eventsPage } from './pages/log.js'
import { overviewPage } from './pages/overview.js'
import { Replay } from './replay.js'
import { pinnedKey } from './trust.js'

const NAV: readonly (readonly [string, string])[] = [
  ['/', 'Overview'],
  ['/checkpoints', 'Checkpoints'],
  ['/events', 'Events'],
  ['/accounts', 'Accounts'],
  ['/proposals', 'Proposals'],
  ['/parameters', 'Parameters'],
  ['/appeals', 'Appeals'],
  ['/disputes', 'Disputes'],
  ['/datanets', 'Datanets'],
  ['/contributions', 'Contributions'],
  ['/jobs', 'Training'],
  ['/models', 'Models & reward maps'],
  ['/deployments', 'Deployments'],
]

interface Route {
  readonly title: string
  readonly page: Page
}

function resolve(name: string, args: readonly string[]): Route | undefined {
  if (name === '') return { title: 'Overview', page: overviewPage }
  if (name === 'checkpoints') return { title: 'Checkpoints', page: checkpointsPage }
  if (name === 'events') return args.length === 0 ? { title: 'Events', page: eventsPage } : { title: `Event #${args[0] ?? ''}`, page: eventPage }
  if (name === 'commands' && args.length === 1) return { title: 'Signed command', page: commandPage }
  if (name === 'lineage' && args.length === 1) return { title: 'Lineage', page: lineagePage }
  if (name === 'parameters' && args.length === 0) return { title: 'Parameters', page: parametersPage() }
  if (name === 'datasheet' && args.length === 1) return { title: 'Datasheet (EU AI Act Annex IV)', page: datasheetPage }
  const collection = collectionRoutes().get(name)
  if (collection === undefined) return undefined
  return args.length === 0 ? { title: collection.title, page: collection.list } : { title: collection.title.replace(/s$/, ''), page: collection.detail }
}

async function apiBase(): Promise<string> {
  try {
    const response = await fetch('config.json')
    if (!response.ok) return ''
    const config = (await response.json()) as { api?: unknown }
    return typeof config.api === 'string' ? config.api.replace(/\/$/, '') : ''
  } catch {
    return ''
  }
}

function navigation(current: string): HTMLElement {
  return h('nav', { class: 'no-print', 'aria-label': 'pages' }, h('ul', {}, NAV.map(([route, title]) => h('li', { class: route === current ? 'current' : undefined }, link(route, title)))))
}

async function draw(api: Api, replay: Replay | undefined): Promise<void> {
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?')
  const [name = '', ...args] = path.replace(/^\//, '').split('/').map(decodeURIComponent)
  const route = resolve(name, args)
  const checks = new Checks()
  const main = document.getElementById('main') as HTMLElement
  document.body.dataset.state = 'loading'
  document.getElementById('nav')?.replaceChildren(navigation(`/${name}`))
  const body = h('div', { class: 'page' }, h('p', { class: 'loading' }, 'Loading and verifying…'))
  main.replaceChildren(h('h1', {}, route?.title ?? 'Not found'), checksPanel(checks), body)
  document.title = `${route?.title ?? 'Not found'} · model-ledger console`
  if (route === undefined) {
    body.replaceChildren(h('p', {}, 'No such page. ', link('/', 'Go to the overview.')))
    document.body.dataset.state = 'ready'
    return
  }
  const ctx: Context = { api, key: replay?.key, replay, args, query: new URLSearchParams(search), checks }
  try {
    const nodes = await route.page(ctx)
    body.replaceChildren(...nodes)
    document.body.dataset.state = 'ready'
  } catch (error) {
    body.replaceChildren(h('p', { class: 'alert', role: 'alert' }, `Could not load this page: ${(error as Error).message}`))
    document.body.dataset.state = 'error'
  }
}

async function start(): Promise<void> {
  const api = createApi(await apiBase())
  const key = pinnedKey(api.base)
  const replay = key === undefined ? undefined : new Replay(api, key)
  const banner = document.getElementById('key')
  banner?.replaceChildren(key === undefined ? h('span', { class: 'unpinned' }, 'No ledger key pinned: nothing is verified') : h('span', {}, 'Verifying against pinned key ', h('code', { class: 'id', title: key }, `${key.slice(0, 16)}…`)))
  let drawing = Promise.resolve()
  const redraw = () => {
    drawing = drawing.then(() => draw(api, replay))
  }
  window.addEventListener('hashchange', redraw)
  redraw()
}

void start()
