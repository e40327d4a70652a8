/**
 * The numeric kernels: {@link org.ultramem.tensor.kernel.Kernels} (the vocabulary every layer is
 * written in), {@link org.ultramem.tensor.kernel.ScalarKernels} (plain loops: reference and
 * fallback), {@link org.ultramem.tensor.kernel.VectorKernels} (Vector API) with its packed
 * {@link org.ultramem.tensor.kernel.Gemm}, {@link org.ultramem.tensor.kernel.KernelProvider}
 * (chooses once) and the shared thread pool {@link org.ultramem.tensor.kernel.Parallel}.
 * Helpers: {@code KernelChecks} (argument checks shared by both twins), {@code Rope} (shared,
 * exact), {@code VectorRows} and {@code VectorAttention} (vector bodies kept out of
 * {@code VectorKernels} for size). {@link org.ultramem.tensor.kernel.TopK} (top-k selection for
 * the memory layers) and {@code GatherWeightedSum} (value pooling and its backward) follow the
 * same scalar/vector-twin rule, as do the decode kernels over memory-mapped weights
 * ({@code SegmentKernels} with {@code GemvVector}/{@code GemvScalar} and
 * {@code SegmentAttentionVector}, fp32 or bf16). {@code Lanes} and {@code VectorExp} give horizontal
 * sums and exp whose last bit does not depend on the JIT tier ({@code reduceLanes(ADD)} and
 * {@code lanewise(EXP)} do, which broke bit-exact resume).
 *
 * <p>Invariants:
 * <ul>
 *   <li>This is the only package that imports {@code jdk.incubator.vector}; vectors live in local
 *       variables only (never arrays, fields or lambdas) so C2 keeps them in registers.</li>
 *   <li>Every vector kernel has a scalar twin and a differential test over awkward sizes.</li>
 *   <li>Work is split by output blocks; each output element is reduced by one thread in a fixed
 *       order, so results are bit-identical for any thread count.</li>
 *   <li>Buffers are row-major {@code float[]}; nothing here allocates per element or keeps state
 *       between calls except the thread pool.</li>
 * </ul>
 */
package org.ultramem.tensor.kernel;
