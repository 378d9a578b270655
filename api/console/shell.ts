/**
 * The console's two static files besides its script: the HTML shell and the stylesheet (screen
 * and print). Kept as strings so the built console is exactly what this module and the bundle
 * write, wherever the package is installed.
 */

/** The shell; `api` (a base URL, or '' for the serving origin) is allowed as a connect-src when given. */
export function indexHtml(api = ''): string {
  const connect = api === '' ? "'self'" : `'self' ${new URL(api).origin}`
  const policy = `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connect}; base-uri 'none'; form-action 'none'`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="referrer" content="no-referrer">
<title>model-ledger console</title>
<link rel="stylesheet" href="console.css">
<script type="module" src="app.js"></script>
</head>
<body data-state="loading">
<header class="top">
<p class="brand"><a href="#/">model-ledger console</a></p>
<p id="key" class="key"></p>
</header>
<div id="nav"></div>
<main id="main"><noscript>The console checks every answer with JavaScript in your browser; without it there is nothing to show.</noscript></main>
</body>
</html>
`
}

export const CONSOLE_CSS = `:root { color-scheme: light; --ink: #1b1f24; --muted: #5a6472; --line: #d5dae1; --ok: #136c2e; --bad: #a4161a; --bg-bad: #fde7e9; --accent: #1d4ed8; }
*, *::before, *::after { box-sizing: border-box; }
html { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
body { margin: 0; overflow-wrap: anywhere; }
a { color: var(--accent); }
code, pre, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
.id { word-break: break-all; }
.top { display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem; align-items: baseline; padding: 0.6rem 1.25rem; border-bottom: 1px solid var(--line); }
.top p { margin: 0; min-width: 0; }
.brand a { font-weight: 700; text-decoration: none; color: var(--ink); }
.key { color: var(--muted); font-size: 0.9em; }
.key .unpinned { color: var(--bad); font-weight: 600; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; list-style: none; margin: 0; padding: 0.5rem 1.25rem; border-bottom: 1px solid var(--line); }
nav li.current a { font-weight: 700; color: var(--ink); text-decoration: none; }
main { max-width: 78rem; margin: 0 auto; padding: 0.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0.8rem 0 0.6rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 0.5rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 0.4rem; }
.checks { border: 1px solid var(--line); border-left: 5px solid var(--muted); border-radius: 4px; padding: 0.2rem 1rem 0.6rem; margin: 0.5rem 0 1rem; }
.checks[data-verdict="ok"] { border-left-color: var(--ok); }
.checks[data-verdict="failed"] { border-left-color: var(--bad); background: var(--bg-bad); }
.checks h2 { font-size: 1rem; margin: 0.6rem 0 0.3rem; }
.checks ul { margin: 0; padding-left: 1.1rem; }
.check.ok strong { color: var(--ok); }
.check.failed strong { color: var(--bad); }
.check.unchecked strong { color: var(--muted); }
.check .detail { color: var(--muted); }
.alert { color: var(--bad); font-weight: 700; background: var(--bg-bad); padding: 0.5rem 0.7rem; border-radius: 4px; }
.loading { color: var(--muted); }
.none { color: var(--muted); }
.facts { display: grid; grid-template-columns: minmax(8rem, max-content) minmax(0, 1fr); gap: 0.25rem 1rem; margin: 0.4rem 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; min-width: 0; }
.facts .facts { margin: 0; }
.table-wrap { max-width: 100%; }
table { width: 100%; border-collapse: collapse; table-layout: auto; margin: 0.3rem 0 0.8rem; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); min-width: 0; overflow-wrap: anywhere; word-break: break-word; }
th { font-size: 0.85em; color: var(--muted); font-weight: 600; }
td .facts { grid-template-columns: minmax(5rem, max-content) minmax(0, 1fr); }
td table { margin: 0; }
ul.plain { margin: 0; padding-left: 1rem; }
.amount { font-variant-numeric: tabular-nums; }
pre { white-space: pre-wrap; word-break: break-all; background: #f5f7f9; padding: 0.6rem; border-radius: 4px; }
form.filters { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; margin: 0.5rem 0; }
input { font: inherit; max-width: 100%; padding: 0.2rem 0.3rem; }
button { font: inherit; padding: 0.25rem 0.7rem; }
.pin { border: 1px solid var(--line); border-radius: 4px; padding: 0.2rem 1rem 0.8rem; }
.pin.unpinned { border-color: var(--bad); }
.diagram-wrap { margin: 0.5rem 0; }
svg.diagram { display: block; width: 100%; height: auto; max-height: 80vh; }
svg.diagram rect { fill: #eef2f7; stroke: #556; }
svg.diagram .node.contribution rect { fill: #eaf6f1; }
svg.diagram .node.deployment rect, svg.diagram .node.usage rect { fill: #fcebdd; }
svg.diagram .node.training-job rect, svg.diagram .node.checkpoint rect { fill: #e7effd; }
svg.diagram .node.dataset-version rect, svg.diagram .node.datanet rect, svg.diagram .node.preference-version rect { fill: #f3eafc; }
svg.diagram .node.proposal rect, svg.diagram .node.mandate rect, svg.diagram .node.reward-epoch rect { fill: #fdf5da; }
svg.diagram text { font-size: 11px; fill: #1b1f24; }
svg.diagram text.kind { font-weight: 700; }
svg.diagram line.edge { stroke: #7a8596; stroke-width: 1.2; }
svg.diagram text.relation { font-size: 10px; fill: #374151; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
figcaption { color: var(--muted); font-size: 0.9em; }
.relations { columns: 2 22rem; }
.node-facts { break-inside: avoid; }
.datasheet { max-width: 60rem; }
@media (max-width: 700px) { .facts { grid-template-columns: minmax(0, 1fr); } .facts dt { font-weight: 600; } }
@media print {
  html { font-size: 10.5pt; }
  .no-print, nav, form, button, #nav { display: none !important; }
  main { max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  .checks { break-inside: avoid; }
  tr, .facts > * { break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; }
  svg.diagram { max-height: none; }
}
`
