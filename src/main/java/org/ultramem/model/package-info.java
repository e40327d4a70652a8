/**
 * The language model: {@link org.ultramem.model.ModelConfig} (HF-style keys mapped in one place),
 * the {@link org.ultramem.model.Transformer} that wires embedding, pre-norm attention/SwiGLU
 * blocks and the tied output head (FFN/MoE and memory layers join it as the sparse variants land),
 * the {@link org.ultramem.model.KvCache} for incremental decoding, and the
 * {@link org.ultramem.model.LanguageModel} contract the trainer and sampler use.
 *
 * <p>Invariants:
 * <ul>
 *   <li>{@code Transformer.forwardBackward} runs the layers forward, then backward in exactly the
 *       reverse order; gradients are added ({@code +=}) and never zeroed here: the trainer zeroes
 *       them once per optimizer step, so micro-batches accumulate.</li>
 *   <li>The returned loss is summed NLL over scored tokens (targets ≥ 0); the gradient is that of
 *       {@code lossScale × mean NLL}.</li>
 *   <li>Training buffers are allocated once, for the maxBatch × maxSeq given to the constructor;
 *       a step allocates no activation memory. Decoding writes only into its {@code KvCache}.</li>
 *   <li>Same config and seed give bit-identical parameters and losses (the kernels' results do not
 *       depend on the thread count).</li>
 *   <li>Parameter names and [out, in] weight layout follow Hugging Face Llama checkpoints.</li>
 * </ul>
 */
package org.ultramem.model;
