package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchCommandTest {

    @Test
    void anUnknownKernelCaseIsAUserErrorNamingTheCases() {
        CliRuns.Run r = CliRuns.main("bench", "kernels", "--case", "shapes");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--case shapes is not a case; use one of gemm-shapes, topk,"
                + " parallel-region"), r.err());
    }
}
