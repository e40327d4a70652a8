/**
 * The numeric kernels: {@link org.ultramem.tensor.kernel.Kernels} (the vocabulary every layer and
 * decoder is written in), {@link org.ultramem.tensor.kernel.ScalarKernels} (plain loops: reference
 * and fallback), {@link org.ultramem.tensor.kernel.VectorKernels} (Vector API) with its packed
 * {@code Gemm}, {@link org.ultramem.tensor.kernel.KernelProvider} (the one place that reads
 * {@code ultramem.kernels} and {@code ultramem.vectorBits}, chooses once and hands out both twins)
 * and the shared thread pool {@link org.ultramem.tensor.kernel.Parallel}.
 * Helpers: {@code KernelChecks} (argument checks shared by both twins), {@code Rope} (shared,
 * exact), {@code VectorRows} and {@code VectorAttention} (vector bodies kept out of
 * {@code VectorKernels} for size). The retrieval kernels of the memory layers ({@code TopK},
 * {@code GatherWeightedSum}, {@code KeyScores}) and the decode kernels over memory-mapped weights
 * ({@code SegmentKernels} with {@code GemvVector}/{@code GemvScalar} and
 * {@code SegmentAttentionVector}, fp32 or bf16) keep their scalar and vector bodies side by side
 * and are reached only through {@code Kernels} methods, so passing another {@code Kernels} swaps
 * every SIMD body at once. {@link org.ultramem.tensor.kernel.SegmentKernels#writeRow} (storage, no
 * arithmetic) is the one public static entry left. {@code Lanes} and {@code VectorExp} give
 * horizontal sums and exp whose last bit does not depend on the JIT tier
 * ({@code reduceLanes(ADD)} and {@code lanewise(EXP)} do, which broke bit-exact resume).
 *
 * <p>Invariants:
 * <ul>
 *   <li>This is the only package that imports {@code jdk.incubator.vector}; vectors live in local
 *       variables only (never arrays, fields or lambdas) so C2 keeps them in registers. C2 puts
 *       a vector on the heap, on every use, when it cannot see it whole: a vector merged with
 *       null at a branch ({@code Gemm.kernel6} did this: 146 MB per 2048³ GEMM), or one passed to
 *       or returned from a helper C2 did not inline. It does not inline a helper of over 35
 *       bytes at a cold call site, one it compiled alone first, or any call late in a method
 *       whose inlining budget is spent ({@code NodeCountInliningCutoff}; the decode attention's
 *       last keys and softmax's lane sum did this). So helpers that take or return vectors stay
 *       tiny and at hot sites; elsewhere the code is written out, or the work moves into a
 *       method whose signature has no vector. {@code ultramem bench kernels} prints the bytes a
 *       GEMM allocates and {@code ultramem bench train} those of a step; JFR's
 *       {@code jdk.ObjectAllocationSample} names the site.</li>
 *   <li>Every vector kernel has a scalar twin and a differential test over awkward sizes.</li>
 *   <li>Work is split by output blocks; each output element is reduced by one thread in a fixed
 *       order, so results are bit-identical for any thread count.</li>
 *   <li>Buffers are row-major {@code float[]}; nothing here allocates per element or keeps state
 *       between calls except the thread pool and per-thread scratch buffers.</li>
 * </ul>
 */
package org.ultramem.tensor.kernel;
