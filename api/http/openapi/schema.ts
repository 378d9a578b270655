/**
 * io-ts codecs to JSON Schema (draft 2020-12, as OpenAPI 3.1 uses), for the codec kinds the API
 * uses: the io-ts combinators by their `_tag`, and the domain's own codecs by what they keep on
 * themselves (`closedProps`, `regex`, `minimum`/`maximum`). A codec with a PascalCase name becomes
 * a named component referenced by `$ref`, so the document reads like the domain's vocabulary.
 * Custom codecs that keep nothing (amounts, JSON values) are described by their name.
 */
import type * as t from 'io-ts'

export type JsonSchema = { readonly [key: string]: unknown }

type AnyCodec = t.Type<unknown, unknown, unknown>
type Tagged = AnyCodec & { readonly _tag?: string } & Record<string, unknown>

const COMPONENT_NAME = /^[A-Z][A-Za-z0-9]*$/

export interface SchemaRegistry {
  schemaOf(codec: t.Mixed): JsonSchema
  readonly components: Record<string, JsonSchema>
}

export function createSchemaRegistry(): SchemaRegistry {
  const components: Record<string, JsonSchema> = {}

  /** A member whose codec admits `undefined` (`t.union([X, t.undefined])`) may be left out: it is described as X and not required. */
  function member(codec: AnyCodec): { schema: JsonSchema; optional: boolean } {
    const c = codec as Tagged
    const types = c._tag === 'UnionType' ? (c.types as Tagged[]) : []
    const defined = types.filter((m) => m._tag !== 'UndefinedType' && m._tag !== 'VoidType')
    if (defined.length === types.length) return { schema: schemaOf(codec), optional: false }
    const only = defined[0]
    return { schema: defined.length === 1 && only !== undefined ? schemaOf(only) : { anyOf: defined.map(schemaOf) }, optional: true }
  }

  function props(properties: Record<string, AnyCodec>, closedObject: boolean, required: boolean): JsonSchema {
    const out: Record<string, JsonSchema> = {}
    const needed: string[] = []
    for (const [key, codec] of Object.entries(properties)) {
      const { schema, optional } = member(codec)
      out[key] = schema
      if (required && !optional) needed.push(key)
    }
    return { type: 'object', properties: out, ...(needed.length > 0 ? { required: needed } : {}), ...(closedObject ? { additionalProperties: false } : {}) }
  }

  function custom(codec: Tagged): JsonSchema {
    if (codec.closedProps !== undefined) {
      const schema = props(codec.closedProps as Record<string, AnyCodec>, true, true)
      const optional = (codec as { optionalKeys?: readonly string[] }).optionalKeys ?? []
      return optional.length === 0 ? schema : { ...schema, required: (schema.required as string[]).filter((k) => !optional.includes(k)) }
    }
    if (codec.regex instanceof RegExp) return { type: 'string', pattern: codec.regex.source, description: codec.name }
    if (typeof codec.minimum === 'number') return { type: 'integer', minimum: codec.minimum, maximum: codec.maximum, description: codec.name }
    if (codec.name === 'JsonValue') return { description: 'any JSON value' }
    if (/amount/i.test(codec.name)) return { type: 'string', pattern: '^(?:0|[1-9][0-9]{0,77})$', description: `${codec.name}: base units as a decimal string` }
    if (/number/i.test(codec.name)) return { type: 'number', description: codec.name }
    return { description: codec.name }
  }

  function build(codec: Tagged): JsonSchema {
    const c = codec as unknown as Record<string, unknown>
    switch (codec._tag) {
      case 'InterfaceType':
        return props(c.props as Record<string, AnyCodec>, false, true)
      case 'PartialType':
        return props(c.props as Record<string, AnyCodec>, false, false)
      case 'ExactType':
      case 'ReadonlyType':
      case 'RefinementType':
        return schemaOf(c.type as AnyCodec)
      case 'IntersectionType':
        return { allOf: (c.types as AnyCodec[]).map(schemaOf) }
      case 'UnionType':
        return { anyOf: (c.types as AnyCodec[]).map(schemaOf) }
      case 'LiteralType':
        return { const: c.value }
      case 'KeyofType':
        return { type: 'string', enum: Object.keys(c.keys as object) }
      case 'ArrayType':
      case 'ReadonlyArrayType':
        return { type: 'array', items: schemaOf(c.type as AnyCodec) }
      case 'DictionaryType':
        return { type: 'object', additionalProperties: schemaOf(c.codomain as AnyCodec) }
      case 'NullType':
        return { type: 'null' }
      case 'StringType':
        return { type: 'string' }
      case 'NumberType':
        return { type: 'number' }
      case 'BooleanType':
        return { type: 'boolean' }
      case 'UnknownType':
        return {}
      default:
        return custom(codec)
    }
  }

  function schemaOf(codec: t.Mixed | AnyCodec): JsonSchema {
    const tagged = codec as Tagged
    if (!COMPONENT_NAME.test(codec.name)) return build(tagged)
    if (components[codec.name] === undefined) {
      components[codec.name] = { description: 'building' }
      components[codec.name] = { title: codec.name, ...build(tagged) }
    }
    return { $ref: `#/components/schemas/${codec.name}` }
  }

  return { schemaOf, components }
}
