/**
 * Overview: the pinned key (enter, confirm or change it), the head, the latest checkpoint as the
 * signed note the log serves at /tlog/checkpoint, and the replay of the whole log.
 */
import { anchorData, noteVerifierKey } from '../../../../domain/ledger/anchor.js'
import type { Envelope } from '../../../../domain/ledger/envelope.js'
import type { Context } from '../context.js'
import { facts, h, hexId, link } from '../dom.js'
import { checkNote, checkpointFault, crypto, noteMatches, sealFault } from '../proofs.js'
import { keyProblem, pinKey, unpinKey } from '../trust.js'

interface LedgerAnswer {
  readonly publicKey: string
  readonly head: { readonly sequence: number; readonly hash: string; readonly recordedAt: string | null }
  readonly lastAnchor: Envelope | null
}

function pinPanel(ctx: Context, claimed: string): HTMLElement {
  if (ctx.key !== undefined) {
    const unpin = h('button', { type: 'button', id: 'unpin' }, 'Change the pinned key')
    unpin.addEventListener('click', () => {
      unpinKey(ctx.api.base)
      location.reload()
    })
    return h('section', { class: 'pin pinned' }, h('h2', {}, 'Pinned ledger key'), h('p', {}, 'Every check on every page is made against this key, kept in this browser: '), hexId(ctx.key), ctx.key === claimed ? null : h('p', { class: 'alert', role: 'alert' }, `The server now names another key (${claimed}). Its answers will fail every check.`), h('p', { class: 'no-print' }, unpin))
  }
  const input = h('input', { id: 'pin-input', type: 'text', size: '66', maxlength: '64', spellcheck: 'false', autocomplete: 'off', 'aria-label': 'ledger public key (64 hex digits)', placeholder: '64 hex digits' })
  const message = h('p', { class: 'detail', 'aria-live': 'polite' })
  const fill = h('button', { type: 'button', id: 'pin-fill' }, 'Fill in the key the server names')
  fill.addEventListener('click', () => {
    input.value = claimed
    message.textContent = 'Compare it, digit for digit, with the key you hold from outside this server before you pin it.'
  })
  const form = h('form', { id: 'pin-form' }, input, ' ', h('button', { type: 'submit', id: 'pin-button' }, 'Pin this key'), ' ', fill, message)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const key = input.value.trim().toLowerCase()
    const problem = keyProblem(key)
    if (problem !== undefined) {
      message.textContent = problem
      return
    }
    pinKey(ctx.api.base, key)
    location.reload()
  })
  return h(
    'section',
    { class: 'pin unpinned' },
    h('h2', {}, 'Pin the ledger key'),
    h('p', {}, 'Nothing on these pages is verified until you pin the ledger\'s public key: the key you got from the ledger\'s operator, its published genesis, or ', h('code', {}, 'model-ledger head'), ' on a copy you trust. A server answer cannot vouch for itself.'),
    form,
  )
}

export async function overviewPage(ctx: Context): Promise<Node[]> {
  const { body: ledger } = await ctx.api.json<LedgerAnswer>('/v1/ledger')
  const out: Node[] = [pinPanel(ctx, ledger.publicKey)]
  const head = ledger.head
  out.push(h('h2', {}, 'Head of the log'), facts([['sequence', String(head.sequence)], ['hash', hexId(head.hash)], ['recorded at', head.recordedAt ?? '—']]))
  const anchor = ledger.lastAnchor
  const data = anchor === null ? undefined : anchorData(anchor)
  if (anchor !== null && data !== undefined) {
    out.push(
      h('h2', {}, 'Latest checkpoint'),
      facts([
        ['checkpoint event', link(`/events/${anchor.sequence}`, `#${anchor.sequence}`)],
        ['tree size', String(data.treeSize)],
        ['root', hexId(data.root)],
        ['origin', data.origin],
        ['witnesses', 'none yet: the note carries the ledger key\'s signature only'],
        ['verifier key (C2SP)', h('code', { class: 'id' }, noteVerifierKey(data.origin, ctx.key ?? ledger.publicKey, crypto.sha256))],
      ]),
    )
  }
  const key = ctx.key
  if (key === undefined) {
    ctx.checks.unchecked('the head, the checkpoint and the log', 'no ledger key is pinned')
    return out
  }
  const checks = ctx.checks
  if (anchor !== null) {
    if (checks.expect('the latest checkpoint event: hash, Ed25519 signature by the pinned key, C2SP note signature', checkpointFault(anchor, key)) && data !== undefined) {
      const note = await ctx.api.text('/tlog/checkpoint')
      const checked = checkNote(note, key)
      if (!checked.ok) checks.fail('the signed note at /tlog/checkpoint', checked.reason)
      else checks.expect('the signed note at /tlog/checkpoint: signed by the pinned key, and it states the checkpoint event\'s size and root', noteMatches(checked.facts, data))
      out.push(h('h3', {}, 'As a C2SP signed note (/tlog/checkpoint)'), h('pre', { class: 'note' }, note))
    }
  } else checks.unchecked('a checkpoint', 'the log has none yet')
  const replay = ctx.replay
  if (replay === undefined) return out
  await replay.syncTo(head.sequence)
  if (replay.failure !== undefined) {
    checks.fail('replaying the log from sequence 1', `sequence ${replay.failure.sequence ?? '?'}: ${replay.failure.reason}`)
    return out
  }
  checks.ok(
    `replayed the log from sequence 1 to ${replay.head}: ${replay.commands.size} signed commands, ${replay.checkpoints.length} checkpoints`,
    `each line's canonical form, hash and signature; the hash chain, gapless sequences and stream versions; each checkpoint's RFC 9162 root rebuilt from the events before it; ${replay.redecided} commands decided again by the rules, giving the recorded events`,
  )
  const last = replay.events[head.sequence - 1]
  checks.expect('the head the server names is the replayed event at that sequence', last?.hash === head.hash ? undefined : `the replayed event ${head.sequence} has hash ${last?.hash ?? 'none'}`)
  const headEvent = await ctx.api.json<unknown>(`/v1/events/${head.sequence}`)
  checks.expect('the head event: hash and signature', sealFault(headEvent.body, key))
  checks.unchecked('witness cosignatures', 'this ledger publishes no witness signatures yet')
  out.push(
    h('h2', {}, 'Replay in this browser'),
    facts([
      ['events verified', String(replay.head)],
      ['signed commands verified', String(replay.commands.size)],
      ['commands decided again', String(replay.redecided)],
      ['checkpoints', String(replay.checkpoints.length)],
      ['events after the last checkpoint', String(replay.head - (replay.checkpoints.at(-1)?.sequence ?? 0))],
    ]),
  )
  return out
}
