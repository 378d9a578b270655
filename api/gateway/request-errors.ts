/**
 * One short sentence for a request body the gateway's codecs refuse, naming the parameter as
 * OpenAI's clients expect (`messages is required`, `messages[0].content must be a string or an
 * array or null`), instead of io-ts's report of the whole expected type. Only the first fault is
 * told: a client fixes one member at a time.
 */
import type * as t from 'io-ts'

type Tagged = t.Decoder<unknown, unknown> & { readonly _tag?: string; readonly types?: readonly Tagged[]; readonly value?: unknown }

export interface ParamError {
  /** The member at fault as OpenAI writes it: `messages`, `messages[0].role`, `stream_options.include_usage`. */
  readonly param: string
  readonly message: string
}

/** What a codec accepts, in words. Optional members (a union with undefined) are described by their other members. */
function expected(codec: Tagged): string {
  switch (codec._tag) {
    case 'StringType':
      return 'a string'
    case 'NumberType':
      return 'a number'
    case 'BooleanType':
      return 'true or false'
    case 'NullType':
      return 'null'
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return 'an array'
    case 'InterfaceType':
    case 'PartialType':
    case 'ExactType':
      return 'an object'
    case 'LiteralType':
      return JSON.stringify(codec.value)
    case 'UnionType':
      return [...new Set((codec.types ?? []).filter((m) => m._tag !== 'UndefinedType').map(expected))].join(' or ')
    default:
      return codec.name
  }
}

/** The path of an io-ts context, skipping the entries a union adds for the member it tried. */
function pathOf(context: t.Context): { path: string; at: Tagged } {
  let path = ''
  let at = context[0]?.type as Tagged
  for (let i = 1; i < context.length; i++) {
    const parent = context[i - 1]?.type as Tagged
    const entry = context[i] as t.ContextEntry
    // A union's members are alternatives: the fault is the member's, described by all of them.
    if (parent._tag === 'UnionType') break
    path += parent._tag === 'ArrayType' || parent._tag === 'ReadonlyArrayType' ? `[${entry.key}]` : `${path === '' ? '' : '.'}${entry.key}`
    at = entry.type as Tagged
  }
  return { path, at }
}

export function paramError(errors: t.Errors): ParamError {
  const first = errors[0]
  if (first === undefined) return { param: '', message: 'the request body is not valid' }
  const { path, at } = pathOf(first.context)
  if (path === '') return { param: '', message: 'the request body must be a JSON object' }
  if (first.value === undefined) return { param: path, message: `${path} is required` }
  return { param: path, message: `${path} must be ${expected(at)}` }
}
