/**
 * Text to token ids and back: GPT-2 style byte-level BPE.
 *
 * <ul>
 *   <li>{@link org.ultramem.text.PreTokenizer}: GPT-2's regex split, as a scanner over UTF-8 bytes.
 *   <li>{@link org.ultramem.text.BpeTrainer}: learns merges from documents (deterministic: ties
 *       go to the lexicographically smallest pair of ids).
 *   <li>{@link org.ultramem.text.BpeTokenizer}: encodes and decodes; immutable and thread-safe.
 *   <li>{@link org.ultramem.text.TokenizerJson}: the Hugging Face {@code tokenizer.json} schema.
 * </ul>
 *
 * <p>Invariants: every byte value is a base token, so {@code decodeBytes(encodeBytes(x)) == x} for
 * any bytes {@code x}, valid UTF-8 or not; {@value org.ultramem.text.BpeTokenizer#END_OF_TEXT} is
 * always in the vocabulary (trained tokenizers give it the last id) and separates documents; our
 * ids equal those of HF {@code tokenizers} on the same {@code tokenizer.json}.
 *
 * <p>Not here: corpora, token files and datasets ({@code org.ultramem.data}).
 */
package org.ultramem.text;
