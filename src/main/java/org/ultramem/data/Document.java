package org.ultramem.data;

/**
 * One whole document of the corpus, already cleaned. Splits are by whole documents, never by lines.
 *
 * @param name stable identifier, e.g. {@code gutenberg/austen-emma} or
 *     {@code sotu/1790_george_washington_n}
 * @param text cleaned text
 * @param split the split it belongs to
 */
public record Document(String name, String text, Split split) {
}
