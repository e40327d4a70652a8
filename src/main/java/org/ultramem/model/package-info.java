/**
 * The language model: {@link org.ultramem.model.ModelConfig} (HF-style keys mapped in one place,
 * including the {@code moe} and {@code memory_layers} sub-objects), {@code LayerPlan} (skip-layer
 * placement of memory layers), the training {@link org.ultramem.model.Transformer} that wires
 * blocks, dense or MoE FFNs and UltraMem/PKM memory layers, its {@link org.ultramem.model.KvCache}
 * for sampling, {@link org.ultramem.model.ModelCost} (parameters, activated parameters, FLOPs and
 * decode bytes per token, spec §E), and the {@link org.ultramem.model.LanguageModel} contract the
 * trainer and sampler use.
 *
 * <p>Invariants: the model's backward calls its layers in exactly the reverse order of its
 * forward; the trainer zeroes gradients once per optimizer step and every backward adds into them;
 * parameter names follow the Hugging Face layout and are the checkpoint names.
 */
package org.ultramem.model;
