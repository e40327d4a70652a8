/**
 * Sparse memory layers: the UltraMem (V1) layer and its parts, the UltraMemV2 layer, and the PKM
 * baseline.
 *
 * <p>What lives here: {@link org.ultramem.nn.memory.UltraMemLayer} (forward/backward driver,
 * parameters, buffers, diagnostics hooks), {@link org.ultramem.nn.memory.UltraMemConfig} (the
 * layer's config, every ablation switch of the PKM → UltraMem ladder; HF-style JSON keys mapped
 * only in {@code fromJson}/{@code toJson}), {@code ProductKeys} (key normalisation, u/v folding
 * and the key backward for touched keys only), {@code TuckerRetrieval} (grid scoring with Tucker cores
 * and multi-core scoring, final top-k), {@code ImplicitValueExpansion} (π, virtual blocks, pooling
 * and its backward), {@link org.ultramem.nn.memory.TuckerUpdate} (online u/v update, sign rule,
 * Tucker aux loss, Jacobi SVD in double), {@code UltraMemInit} and
 * {@link org.ultramem.nn.memory.UltraMemDiagnostics}; the retrieval-collapse remedies, switched
 * by {@link org.ultramem.nn.memory.RetrievalRemedies} (all off by default): {@code QueryBatchNorm}
 * (shared with PKM), {@code KeyBalanceLoss}, {@link org.ultramem.nn.memory.OutputGate} and
 * {@code DeadKeyRestart}; the PKM baseline (Lample et al. 2019)
 * {@link org.ultramem.nn.memory.ProductKeyMemory} with {@code PkmConfig}, {@code PkmTopK},
 * {@code QueryBatchNorm} and {@code PkmDiagnostics}; the UltraMemV2 layer
 * ({@code ultramem-v2-spec.md}): {@link org.ultramem.nn.memory.UltraMemV2Layer} (driver),
 * {@link org.ultramem.nn.memory.UltraMemV2Config} ({@code mem_type: "ultramem_v2"}),
 * {@link org.ultramem.nn.memory.UltraMemV2Geometry} (shared-table and per-layer sizes),
 * {@link org.ultramem.nn.memory.UltraMemV2Values} (the value holder all V2 layers of a model
 * share), {@link org.ultramem.nn.memory.UltraMemV2Keys} (rank-2 keys, coarse scores, key backward),
 * {@link org.ultramem.nn.memory.UltraMemV2Lookup} (shuffle, window rows, pre-value gate, pooling
 * and the table backward),
 * {@code UltraMemV2BalanceLoss}, {@code UltraMemV2Init} and
 * {@link org.ultramem.nn.memory.UltraMemV2Golden}; V2 reuses {@code TuckerRetrieval} and
 * {@link org.ultramem.nn.memory.TuckerUpdate}. The per-token retrieval after the coarse top-m
 * ({@link org.ultramem.nn.memory.CandidateRetrieval}, V1 and V2, with the π check), the key
 * preparation ({@code ProductKeys.prepared}, {@code UltraMemV2Keys.prepared}) and the V2 slot
 * resolution, gate and pooling (static
 * {@code UltraMemV2Lookup} methods) are public so the decode engine ({@code infer}) runs the
 * training code itself, not a copy. What does not: wiring into the transformer
 * (model), optimizer groups and value learning rates (train), kernels (tensor.kernel).
 *
 * <p>Invariants: shapes and names follow {@code ultramem-spec.md} §A.1-A.2 and the golden files;
 * π is always a permutation of [0, E·N); top-k ties go to the higher score, then the lower index;
 * u, v are refreshed by {@code refreshTucker()} (never inside forward) and are valid before the
 * first forward; forward overwrites its output, backward adds into gradients and dx; results do not
 * depend on the thread count (cross-token reductions run in token order).
 */
package org.ultramem.nn.memory;
