/**
 * The language model: {@link org.ultramem.model.ModelConfig} (HF-style keys mapped in one place,
 * including the {@code moe} and {@code memory_layers} sub-objects), {@link
 * org.ultramem.model.MemorySpec} (one memory layer entry), {@link org.ultramem.model.LayerPlan}
 * (skip-layer placement: which memory layers read block i, which outputs join after block j),
 * {@code MemoryStack} (the memory layers and their pending outputs inside a Transformer),
 * {@code V2Memories} and {@code V2Diagnostics} (the UltraMemV2 layers, their one shared value
 * table and their retrieval statistics),
 * {@link org.ultramem.model.ValueTableRule} (a value table's optimizer settings), the training {@link org.ultramem.model.Transformer} that wires
 * blocks, dense or MoE FFNs and UltraMem/PKM memory layers (decoded by the {@code infer} engine),
 * {@link org.ultramem.model.ModelCost} (parameters, activated parameters, FLOPs and
 * decode bytes per token, spec §E), {@link org.ultramem.model.ModelMemory} (heap a model needs,
 * checked before it is built), {@link org.ultramem.model.CheckpointLayout} (every tensor a
 * checkpoint of a config holds) and {@link org.ultramem.model.CheckpointValidator} (the check every
 * checkpoint loader runs), and the {@link org.ultramem.model.LanguageModel} contract the trainer
 * and the engine's live-model weights use.
 *
 * <p>Invariants: the model's backward calls its layers in exactly the reverse order of its
 * forward; the trainer zeroes gradients once per optimizer step and every backward adds into them;
 * the checkpoint names are {@code LanguageModel.parametersByName()} keys (Hugging Face layout;
 * sparse layers name their parameters locally, so {@code Parameter.name} is not unique);
 * non-trained state (UltraMem and UltraMemV2 u/v and π, PKM BatchNorm statistics) is exposed as
 * {@code buffers()} and checkpointed beside the parameters; memory outputs are pending from their
 * source block i until after their target block j, and their gradients flow back into block i's
 * ff-norm output gradient.
 */
package org.ultramem.model;
