/** The gateway's refusals of a malformed body: one sentence naming the first member at fault. */
import { isLeft } from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { ChatRequestC, CompletionRequestC } from '../../../api/gateway/openai.js'
import { paramError } from '../../../api/gateway/request-errors.js'

const faultOf = (codec: typeof ChatRequestC | typeof CompletionRequestC, body: unknown) => {
  const decoded = codec.decode(body)
  if (!isLeft(decoded)) throw new Error('expected a refusal')
  return paramError(decoded.left)
}

describe('paramError', () => {
  it('names the member and says what it must be', () => {
    expect(faultOf(ChatRequestC, { model: 'm' })).toEqual({ param: 'messages', message: 'messages is required' })
    expect(faultOf(ChatRequestC, null)).toEqual({ param: '', message: 'the request body must be a JSON object' })
    expect(faultOf(ChatRequestC, { model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 3, content: 'x' }] })).toEqual({ param: 'messages[1].role', message: 'messages[1].role must be a string' })
    expect(faultOf(ChatRequestC, { model: 'm', messages: [], stream_options: { include_usage: 'yes' } })).toEqual({ param: 'stream_options', message: 'stream_options must be an object or null' })
    expect(faultOf(ChatRequestC, { model: 'm', messages: [], stop: 5 })).toEqual({ param: 'stop', message: 'stop must be a string or an array or null' })
    expect(faultOf(CompletionRequestC, { model: 'm', prompt: { text: 'x' } })).toEqual({ param: 'prompt', message: 'prompt must be a string or an array' })
  })

  it('stays one short sentence whatever the body', () => {
    const deep = { model: 'm', messages: Array.from({ length: 500 }, () => ({ role: 'user', content: { nested: [1, 2, 3] } })) }
    expect(faultOf(ChatRequestC, deep).message.length).toBeLessThan(100)
  })
})
