/**
 * Mixture-of-Experts feed-forward blocks, the MoE baseline (spec §E.3, §F.4; OLMoE conventions).
 *
 * <p>What lives here: {@link org.ultramem.nn.moe.MoeLayer} (dropless top-k mixture of SwiGLU
 * experts, forward/backward driver), {@link org.ultramem.nn.moe.TopKRouter} (softmax router,
 * top-k choice, z-loss), {@link org.ultramem.nn.moe.TopKSoftmax} (one token's softmax and top-k,
 * shared with the decode path in infer), {@link org.ultramem.nn.moe.LoadBalanceLoss} ({@code N·Σ f_e·P_e}),
 * {@link org.ultramem.nn.moe.MoeConfig} (HF-style {@code moe_*} keys, mapped only there) and
 * {@link org.ultramem.nn.moe.MoeDiagnostics} (expert load, mean auxiliary losses). What does not:
 * choosing which blocks are MoE and adding the auxiliary losses to the reported loss (model),
 * optimizer groups (train), kernels (tensor.kernel).
 *
 * <p>Invariants:
 * <ul>
 *   <li>No token dropping: every token is processed by exactly k distinct experts; token-slots
 *       are grouped per expert into contiguous rows (token order kept) so each expert runs GEMMs.</li>
 *   <li>Routing ties go to the lower expert id; results do not depend on the thread count.</li>
 *   <li>Combine weights are the selected softmax probabilities, not renormalized (OLMoE), unless
 *       {@code moe_normalize_topk} is true.</li>
 *   <li>forward writes its output (=) and copies its input; backward adds (+=) into dx and the
 *       parameter gradients, including {@code auxGradScale·(aux_coef·L_lb + z_coef·z)}'s
 *       gradient; the selection itself is treated as constant.</li>
 * </ul>
 */
package org.ultramem.nn.moe;
