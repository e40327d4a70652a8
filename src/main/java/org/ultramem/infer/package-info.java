/**
 * Inference, the project's only decode path: {@link org.ultramem.infer.Sampler} (greedy,
 * temperature, top-k, top-p; seeded) and the engine, separate from training (no activation
 * caches, no gradients): {@link org.ultramem.infer.InferenceModel} (built from a
 * {@link org.ultramem.infer.WeightStore}: a memory-mapped safetensors file, off-heap memory, or a
 * copy of a live training model's weights, {@link org.ultramem.infer.ModelWeights}), {@link org.ultramem.infer.DecodeState}
 * (KV cache of B sequences, off-heap [B][heads][capacity][headDim] per layer in fp32 or bf16,
 * + step scratch; a step may decode any subset of them, which the server's continuous batching
 * uses), the per-block decoders (dense attention/SwiGLU, MoE, and the memory layers
 * UltraMem, UltraMemV2 and PKM behind {@code MemoryDecoder}, value rows read once per step by
 * {@code ValueGather} through a {@link org.ultramem.infer.ValueStore}, the seam between decode and
 * where tables live: {@link org.ultramem.infer.LocalValueStore} here, a Hazelcast cluster in
 * {@code infer.cluster}; the V2 layers share one {@code UltraMemV2Tables}; UltraMem and
 * UltraMemV2 run one key search, {@code CandidateSearch}, which selects cells with the training
 * code's {@code nn.memory.CandidateRetrieval} over keys the training code prepares),
 * {@link org.ultramem.infer.TrafficMeter} (bytes read per step and component),
 * {@link org.ultramem.infer.StageClock} (time and bytes per stage of a pass, off by default) and
 * {@link org.ultramem.infer.Generator} (one sequence: prefill, sample, decode). The architecture comes from the training
 * {@code ModelConfig} ({@link org.ultramem.infer.DecodeArchitecture#of}); checkpoint names are the
 * training model's (phase-2 schema), buffers included.
 *
 * <p>Invariants: every weight matrix is read once per step as a GEMM over the step's tokens
 * ({@code Kernels.segmentMatmulT}); attention runs per (token, head) on contiguous K/V slices
 * ({@code Kernels.segmentAttend}, fp32 accumulation whatever the KV precision); every kernel comes
 * from the {@code Kernels} the model was built with (default {@code KernelProvider.get()}), so a
 * test can decode on either twin; big weights stay in their segments (never copied to the heap)
 * unless a precision conversion is asked for; the engine's math equals the training layers'
 * (tests compare logits to 1e-4); a memory layer may run as a task beside its source block's FFN
 * GEMVs, never changing a bit (it reads only the FFN's input). One pass at a time per model; a
 * state belongs to one model.
 */
package org.ultramem.infer;
