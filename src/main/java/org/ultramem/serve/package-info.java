/**
 * The OpenAI-compatible HTTP server ({@code ultramem serve}): {@link org.ultramem.serve.ServingServer}
 * (Helidon SE routes on virtual threads), {@link org.ultramem.serve.BatchScheduler} (one thread
 * owns the engine and runs continuous-batching decode steps), request parsing and validation
 * ({@link org.ultramem.serve.RequestParser}), OpenAI JSON bodies ({@link org.ultramem.serve.OpenAiJson}),
 * Prometheus metrics ({@link org.ultramem.serve.ServeMetrics}), the playground page and
 * {@link org.ultramem.serve.EnginePriority} (the engine's threads at a higher OS priority than the
 * HTTP threads, through {@code ThreadNice}'s FFM call). No model math lives here: decoding is the
 * {@code infer} engine's.
 *
 * <p>Invariants: only the scheduler thread touches the engine and the KV cache; every request
 * gets its own KV slot and its own seeded sampler, and the engine runs with a fixed GEMM path
 * ({@code SegmentKernels.RowPath}), so a request's text does not depend on what else is in the
 * batch; everything a client sends is bounded (body size, prompt tokens, max_tokens, queue) and
 * every rejection is a 4xx/5xx with an OpenAI-style error body.
 */
package org.ultramem.serve;
