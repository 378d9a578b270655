/** The log itself: checkpoints with consistency proofs, events by stream, type, actor and sequence, one event, one command. */
import { anchorData } from '../../../../domain/ledger/anchor.js'
import { verifyCommand, type SignedCommand } from '../../../../domain/ledger/command.js'
import type { Envelope } from '../../../../domain/ledger/envelope.js'
import type { JsonValue } from '../../../../domain/json.js'
import { ApiError } from '../http.js'
import type { Context } from '../context.js'
import { facts, h, hexId, link, table } from '../dom.js'
import { checkpointFault, consistencyFault, crypto, inclusionFault, sealFault } from '../proofs.js'
import { record } from '../render.js'
import { replayCut } from '../rows.js'

const PAGE = 100

function actorOf(event: Envelope): string | undefined {
  return event.cause.kind === 'command' ? event.cause.actor : undefined
}

function eventRow(event: Envelope): HTMLElement[] {
  const actor = actorOf(event)
  return [
    link(`/events/${event.sequence}`, `#${event.sequence}`),
    h('span', {}, event.recordedAt),
    link(`/events?stream=${encodeURIComponent(event.stream)}`, event.stream),
    link(`/events?type=${encodeURIComponent(event.type)}`, event.type),
    actor === undefined ? h('span', { class: 'none' }, `system: ${event.cause.kind === 'system' ? event.cause.reason : ''}`) : link(`/events?actor=${actor}`, hexId(actor, true)),
  ]
}

interface AnchorsAnswer {
  readonly anchors: readonly Envelope[]
}

export async function checkpointsPage(ctx: Context): Promise<Node[]> {
  const { body } = await ctx.api.json<AnchorsAnswer>('/v1/anchors?limit=1000')
  const anchors = body.anchors
  const out: Node[] = [
    table(['checkpoint event', 'recorded at', 'tree size', 'root', 'origin'], anchors, (anchor) => {
      const data = anchorData(anchor)
      return [link(`/events/${anchor.sequence}`, `#${anchor.sequence}`), anchor.recordedAt, String(data?.treeSize ?? '?'), hexId(data?.root ?? '', true), data?.origin ?? '?']
    }),
  ]
  const key = ctx.key
  if (key === undefined) {
    ctx.checks.unchecked('the checkpoints', 'no ledger key is pinned')
    return out
  }
  const faults = anchors.map((anchor) => checkpointFault(anchor, key)).map((fault, i) => (fault === undefined ? undefined : `#${anchors[i]?.sequence}: ${fault}`)).filter((f) => f !== undefined)
  ctx.checks.expect(`${anchors.length} checkpoint events: hash, signature by the pinned key, C2SP note signature`, faults[0])
  for (let i = 1; i < anchors.length; i++) {
    const older = anchorData(anchors[i - 1] as Envelope)
    const newer = anchorData(anchors[i] as Envelope)
    if (older === undefined || newer === undefined) continue
    const proof = (await ctx.api.json<{ old: Envelope; new: Envelope }>(`/v1/proofs/consistency?from=${older.treeSize}&to=${newer.treeSize}`)).body
    const fault = consistencyFault(proof, key) ?? (proof.old.hash !== anchors[i - 1]?.hash || proof.new.hash !== anchors[i]?.hash ? 'the proof is between other checkpoints than the ones listed' : undefined)
    ctx.checks.expect(`consistency proof: the tree of size ${newer.treeSize} extends the tree of size ${older.treeSize} (RFC 9162 §2.1.4)`, fault)
  }
  const cut = await replayCut(ctx, ctx.checks)
  if (cut !== undefined && ctx.replay !== undefined) {
    const replayed = ctx.replay.checkpoints.map((anchor) => anchor.hash)
    const listed = anchors.map((anchor) => anchor.hash)
    ctx.checks.expect('the list holds every checkpoint in the replayed log, and nothing else', replayed.join() === listed.join() ? undefined : `the server lists ${listed.length} checkpoints; the log holds ${replayed.length}`)
  }
  return out
}

function filterForm(ctx: Context): HTMLElement {
  const field = (name: string, label: string) => h('label', {}, label, ' ', h('input', { name, type: 'text', value: ctx.query.get(name) ?? '', size: name === 'actor' ? '30' : '18' }))
  const form = h('form', { class: 'filters no-print' }, field('stream', 'stream'), field('type', 'type'), field('actor', 'actor key'), field('from', 'from sequence'), h('button', { type: 'submit' }, 'Show'))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const query = new URLSearchParams()
    for (const name of ['stream', 'type', 'actor', 'from']) {
      const value = (form.elements.namedItem(name) as HTMLInputElement).value.trim()
      if (value !== '') query.set(name, value)
    }
    location.hash = `#/events?${query.toString()}`
  })
  return form
}

export async function eventsPage(ctx: Context): Promise<Node[]> {
  const from = Number(ctx.query.get('from') ?? '1') || 1
  const out: Node[] = [filterForm(ctx)]
  const cut = await replayCut(ctx, ctx.checks)
  let events: readonly Envelope[]
  if (cut === undefined || ctx.replay === undefined) {
    // Unverified: the server's page as it is, by sequence only.
    events = (await ctx.api.json<{ events: Envelope[] }>(`/v1/events?from=${from}&limit=${PAGE}`)).body.events
  } else {
    const stream = ctx.query.get('stream')
    const type = ctx.query.get('type')
    const actor = ctx.query.get('actor')
    const command = ctx.query.get('command')
    events = ctx.replay.events.filter(
      (e) =>
        e.sequence >= from &&
        (stream === null || e.stream === stream) &&
        (type === null || e.type === type) &&
        (actor === null || actorOf(e) === actor) &&
        (command === null || (e.cause.kind === 'command' && e.cause.commandHash === command)),
    )
    ctx.checks.ok('the events listed are the replayed, verified events', 'filtered in this browser by stream, type, actor and sequence')
  }
  const shown = events.slice(0, PAGE)
  out.push(h('p', {}, `${events.length} events${events.length > PAGE ? `; the first ${PAGE} shown` : ''}.`), table(['sequence', 'recorded at', 'stream', 'type', 'actor'], shown, eventRow, { class: 'events' }))
  const last = shown.at(-1)
  if (events.length > PAGE && last !== undefined) {
    const next = new URLSearchParams(ctx.query)
    next.set('from', String(last.sequence + 1))
    out.push(h('p', { class: 'no-print' }, link(`/events?${next.toString()}`, 'next page →')))
  }
  return out
}

export async function eventPage(ctx: Context): Promise<Node[]> {
  const sequence = Number(ctx.args[0])
  const event = (await ctx.api.json<Envelope>(`/v1/events/${sequence}`)).body
  const out: Node[] = [
    h('h2', {}, `${event.type} on ${event.stream}`),
    facts([
      ['sequence', String(event.sequence)],
      ['stream, version', `${event.stream} v${event.streamVersion}`],
      ['recorded at', event.recordedAt],
      ['cause', event.cause.kind === 'command' ? link(`/commands/${event.cause.commandHash}`, 'signed command ', hexId(event.cause.commandHash, true)) : `system (${event.cause.reason})`],
      ['hash', hexId(event.hash)],
      ['previous hash', hexId(event.prevHash)],
      ['signer', hexId(event.signer)],
    ]),
    h('h3', {}, 'Data'),
    typeof event.data === 'object' && event.data !== null && !Array.isArray(event.data) ? record(event.data as { readonly [key: string]: JsonValue }, []) : h('pre', {}, JSON.stringify(event.data, null, 2)),
  ]
  const key = ctx.key
  if (key === undefined) {
    ctx.checks.unchecked('this event', 'no ledger key is pinned')
    return out
  }
  const checks = ctx.checks
  checks.expect('the event: shape, SHA-256 of its JCS body, Ed25519 signature by the pinned key', sealFault(event, key))
  if (sequence > 1) {
    const previous = (await ctx.api.json<Envelope>(`/v1/events/${sequence - 1}`)).body
    checks.expect(`the chain: event ${sequence - 1} is sealed by the pinned key and its hash is this event's previous hash`, sealFault(previous, key) ?? (previous.hash === event.prevHash ? undefined : 'the previous event\'s hash is not this event\'s prevHash'))
  }
  try {
    const proof = (await ctx.api.json<unknown>(`/v1/proofs/${sequence}`)).body
    checks.expect('inclusion proof: this event is in the RFC 9162 tree the latest checkpoint signed', inclusionFault(proof, key, event))
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error
    checks.unchecked('inclusion in a checkpoint', 'no checkpoint covers this event yet')
  }
  if (event.cause.kind === 'command') {
    const cause = event.cause
    const signed = (await ctx.api.json<SignedCommand>(`/v1/commands/${cause.commandHash}`)).body
    const hash = verifyCommand(signed, crypto)
    const fault =
      hash === undefined ? 'the command\'s signature does not verify under its actor' :
      hash !== cause.commandHash ? 'the command served is not the one the event cites' :
      signed.command.actor !== cause.actor || signed.signature !== cause.actorSignature ? 'the event\'s cause does not match the command' :
      signed.command.ledger !== key ? 'the command was signed for another ledger' : undefined
    checks.expect('the signed command that caused it: its hash, its actor\'s Ed25519 signature, and that it names this ledger', fault)
  }
  if (ctx.replay !== undefined && ctx.replay.head >= sequence) checks.expect('the same event as the replayed log holds', ctx.replay.events[sequence - 1]?.hash === event.hash ? undefined : 'the replayed log holds another event here')
  out.push(h('p', { class: 'no-print' }, sequence > 1 ? link(`/events/${sequence - 1}`, '← previous') : null, ' ', link(`/events/${sequence + 1}`, 'next →')))
  return out
}

export async function commandPage(ctx: Context): Promise<Node[]> {
  const hash = ctx.args[0] ?? ''
  const signed = (await ctx.api.json<SignedCommand>(`/v1/commands/${hash}`)).body
  const command = signed.command
  const out: Node[] = [
    h('h2', {}, command.type),
    facts([
      ['command hash', hexId(hash)],
      ['actor', link(`/events?actor=${command.actor}`, hexId(command.actor))],
      ['nonce', command.nonce],
      ['issued at', command.issuedAt],
      ['for ledger', hexId(command.ledger)],
      ['events it caused', link(`/events?command=${hash}`, 'list')],
    ]),
    h('h3', {}, 'Payload'),
    typeof command.payload === 'object' && command.payload !== null && !Array.isArray(command.payload) ? record(command.payload as { readonly [key: string]: JsonValue }, []) : h('pre', {}, JSON.stringify(command.payload)),
  ]
  if (ctx.key === undefined) {
    ctx.checks.unchecked('this command', 'no ledger key is pinned')
    return out
  }
  const got = verifyCommand(signed, crypto)
  ctx.checks.expect('the command: SHA-256 of its JCS form is the hash asked for, and its actor\'s Ed25519 signature verifies', got === hash ? undefined : got === undefined ? 'the actor\'s signature does not verify' : `its hash is ${got}`)
  ctx.checks.expect('it names the pinned ledger', command.ledger === ctx.key ? undefined : `it names ledger ${command.ledger}`)
  return out
}
