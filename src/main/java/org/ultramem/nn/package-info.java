/**
 * Neural-network layers, one per file, each a forward/backward pair over row-major
 * {@code float[]} activations: {@link org.ultramem.nn.Linear}, {@link org.ultramem.nn.Embedding},
 * {@link org.ultramem.nn.RmsNorm}, {@link org.ultramem.nn.Attention},
 * {@link org.ultramem.nn.SwiGlu}, {@link org.ultramem.nn.CrossEntropy}, the scalar exact-erf
 * {@link org.ultramem.nn.Gelu} (UltraMemV2's pre-value gate), the trainable
 * {@link org.ultramem.nn.Parameter}, and {@link org.ultramem.nn.ParameterReset} (how a layer
 * that re-initialises part of a parameter asks the optimizer to forget its state there).
 * All arithmetic goes through {@link org.ultramem.tensor.kernel.Kernels}; nothing here touches
 * the Vector API.
 *
 * <p>Conventions every layer keeps:
 * <ul>
 *   <li><b>Shapes first.</b> Javadoc opens with every tensor's shape; rows = batch·seq tokens,
 *       flattened token-major. Arguments go outputs first, then inputs.</li>
 *   <li><b>forward writes with {@code =}</b> and saves what backward needs (rstd, q/k/v, softmax
 *       probabilities, gate/up) in buffers the layer allocated at construction, sized for the
 *       model's maximum batch × sequence: a training step allocates nothing. The layer's input
 *       is owned by the caller, who passes the same buffer to backward.</li>
 *   <li><b>backward adds with {@code +=}</b> into parameter gradients and into {@code dX}. Nothing
 *       in a layer zeroes a parameter gradient: the trainer calls
 *       {@link org.ultramem.nn.Parameter#zeroGrad()} once per optimizer step, so micro-batches
 *       accumulate and a tied or shared weight (the embedding, used as input table and as output
 *       head) simply receives both contributions. Callers zero a {@code dX} buffer before the
 *       first contribution; residual branches then need no special case.</li>
 *   <li>Layers have no decode path: decoding is the {@code infer} engine's, which shares the
 *       sparse layers' selection code ({@code CandidateRetrieval}, {@code PkmTopK},
 *       {@code RunningBatchNorm}, {@code ExpertGrouping}, {@code TopKSoftmax}).</li>
 *   <li>Training methods are not thread-safe: one forward/backward at a time per layer.</li>
 * </ul>
 */
package org.ultramem.nn;
