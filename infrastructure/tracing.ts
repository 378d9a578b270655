/**
 * OpenTelemetry traces (docs/operations.md). The code makes spans through @opentelemetry/api's
 * global tracer: HTTP requests, command decisions, store batch commits, gateway calls and training
 * jobs. Until `startTracing` registers a provider that tracer is the API's no-op one, so tracing
 * costs nothing beyond a function call where it is off, which is the default.
 *
 * `startTracing` turns it on when given an OTLP endpoint (`serve --otlp URL`) or when the standard
 * environment asks for it: OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set
 * (and OTEL_TRACES_EXPORTER not `none`), or OTEL_TRACES_EXPORTER=otlp. Spans go to the standard
 * OTLP/HTTP exporter in batches; W3C `traceparent` headers are honoured on incoming requests.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'

export const TRACER = 'model-ledger'

export interface Tracing {
  /** Where spans go (the OTLP traces URL). */
  readonly url: string
  /** Sends the spans ended so far. */
  flush(): Promise<void>
  /** Flushes and unregisters: the global tracer is the no-op one again. */
  shutdown(): Promise<void>
}

export interface TracingOptions {
  /** The OTLP/HTTP base endpoint (as OTEL_EXPORTER_OTLP_ENDPOINT: `/v1/traces` is added) or the full traces URL. */
  readonly endpoint?: string
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly serviceName?: string
  readonly serviceVersion?: string
}

/** The traces URL tracing would export to, or undefined where it stays off. */
export function tracesUrl(options: TracingOptions): string | undefined {
  const env = options.env ?? process.env
  const base = (url: string) => (/\/v1\/traces\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/v1/traces`)
  if (options.endpoint !== undefined) return base(options.endpoint)
  if (env.OTEL_TRACES_EXPORTER === 'none' || env.OTEL_SDK_DISABLED === 'true') return undefined
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined) return base(env.OTEL_EXPORTER_OTLP_ENDPOINT)
  if (env.OTEL_TRACES_EXPORTER?.split(',').includes('otlp') === true) return 'http://localhost:4318/v1/traces'
  return undefined
}

export function startTracing(options: TracingOptions = {}): Tracing | undefined {
  const url = tracesUrl(options)
  if (url === undefined) return undefined
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? options.env?.OTEL_SERVICE_NAME ?? process.env.OTEL_SERVICE_NAME ?? 'model-ledger', 'service.version': options.serviceVersion ?? '0' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1000 })],
  })
  const contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  trace.setGlobalTracerProvider(provider)
  return {
    url,
    flush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown()
      trace.disable()
      propagation.disable()
      context.disable()
    },
  }
}

const tracer = () => trace.getTracer(TRACER)

/** Runs `work` in a span (a child of the active one), recording a thrown error on it. */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await work(span)
    } catch (error) {
      span.recordException(error as Error)
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message })
      throw error
    } finally {
      span.end()
    }
  })
}

/**
 * A server span for an incoming request, continuing the caller's trace from its `traceparent`;
 * `run` runs inside it (so spans made while handling are its children). The caller ends the span.
 */
export function serverSpan(name: string, headers: Readonly<Record<string, string | string[] | undefined>>, attributes: Attributes, run: (span: Span) => void): void {
  const parent = propagation.extract(context.active(), headers)
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent)
  context.with(trace.setSpan(parent, span), () => run(span))
}

/** The active span's ids for a log line (pino's mixin): `{ trace_id, span_id }`, or nothing when no span is recording. */
export function traceFields(span: Span | undefined = trace.getActiveSpan()): { trace_id?: string; span_id?: string } {
  const ids = span?.spanContext()
  if (ids === undefined || !trace.isSpanContextValid(ids)) return {}
  return { trace_id: ids.traceId, span_id: ids.spanId }
}

/** pino's `mixin`: every line logged inside a span carries its ids, unless the line names them itself. */
export const traceMixin = (fields: object): object => ('trace_id' in fields ? {} : traceFields())

export { SpanKind, SpanStatusCode, type Span }
