/**
 * Inference: {@link org.ultramem.infer.Sampler} (greedy, temperature, top-k, top-p; seeded and
 * deterministic) and {@link org.ultramem.infer.Generator} (prefill + KV-cache decode with timings).
 * The KV cache itself belongs to the model ({@code org.ultramem.model.KvCache}). Nothing here
 * trains or writes files.
 */
package org.ultramem.infer;
