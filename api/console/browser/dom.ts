/**
 * Building the page: elements from data with textContent and attributes only, never markup from
 * a server answer, so nothing the ledger holds (a display name, a label) can inject script.
 */
export type Child = Node | string | number | null | undefined | false | readonly Child[]

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Readonly<Record<string, string | undefined>> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) element.setAttribute(name, value)
  append(element, children)
  return element
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(parent, child)
    else parent.appendChild(typeof child === 'object' ? (child as Node) : document.createTextNode(String(child)))
  }
}

/** A link inside the console (hash routes work as plain static files). */
export function link(route: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href: `#${route}` }, ...children)
}

/** A table with a header row; cells are whatever `row` gives. */
export function table<T>(headers: readonly string[], rows: readonly T[], row: (item: T) => readonly Child[], attrs: Readonly<Record<string, string>> = {}): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', attrs, h('thead', {}, h('tr', {}, headers.map((title) => h('th', { scope: 'col' }, title)))), h('tbody', {}, rows.map((item) => h('tr', {}, row(item).map((cell) => h('td', {}, cell)))))),
  )
}

/** Key and value pairs as a definition list. */
export function facts(pairs: readonly (readonly [string, Child])[]): HTMLElement {
  return h('dl', { class: 'facts' }, pairs.map(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]))
}

/** A long hex id shown in full but breakable, with a short form for tables. */
export function hexId(value: string, short = false): HTMLElement {
  return h('code', { class: short ? 'id short' : 'id', title: value }, short ? `${value.slice(0, 10)}…` : value)
}
