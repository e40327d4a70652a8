package org.ultramem.data;

/** The two data splits and their token files. */
public enum Split {
    TRAIN("train", "train.bin"),
    VALIDATION("val", "val.bin");

    /** Key in {@code meta.json}. */
    public final String key;
    /** Token file name inside the data folder. */
    public final String fileName;

    Split(String key, String fileName) {
        this.key = key;
        this.fileName = fileName;
    }
}
