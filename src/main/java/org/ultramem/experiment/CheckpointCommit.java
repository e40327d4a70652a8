package org.ultramem.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.ultramem.io.Provenance;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.train.Checkpoints;

/**
 * Which code a trial's final checkpoint came from, for the report: the short build commit from the
 * checkpoint's provenance metadata, or, for checkpoints written before builds recorded it, the
 * checkout's HEAD at writing time marked {@code HEAD}. A suite run from a jar copied aside keeps
 * its build commit while the checkout's HEAD moves on, so only the first names the code.
 */
final class CheckpointCommit {

    private CheckpointCommit() {
    }

    /** The commit cell for the trial in {@code dir}; "n/a" without a readable checkpoint. */
    static String of(Path dir) {
        Path model = dir.resolve(Checkpoints.MODEL);
        if (!Files.isRegularFile(model)) {
            return "n/a";
        }
        try (SafeTensorsFile st = SafeTensorsFile.open(model)) {
            return of(st.metadata());
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    /** The commit cell from checkpoint metadata. */
    static String of(Map<String, String> md) {
        String build = md.getOrDefault(Provenance.KEY_BUILD_COMMIT, Provenance.UNKNOWN);
        if (!build.equals(Provenance.UNKNOWN)) {
            return shorten(build);
        }
        String head = md.getOrDefault(Provenance.KEY_GIT_COMMIT, Provenance.UNKNOWN);
        return head.equals(Provenance.UNKNOWN) ? "unknown" : "HEAD " + shorten(head);
    }

    private static String shorten(String commit) {
        return commit.length() >= 40 ? commit.substring(0, 7) + commit.substring(40) : commit;
    }
}
