package org.ultramem.infer;

import java.lang.foreign.MemorySegment;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;

/** A {@link WeightStore} over a memory-mapped safetensors file (read-only, paged on demand). */
public final class MappedWeightStore implements WeightStore {

    private final SafeTensorsFile file;

    public MappedWeightStore(SafeTensorsFile file) {
        this.file = file;
    }

    @Override
    public boolean contains(String name) {
        return file.contains(name);
    }

    @Override
    public DType dtype(String name) {
        return file.info(name).dtype();
    }

    @Override
    public long[] shape(String name) {
        return file.info(name).shape();
    }

    @Override
    public MemorySegment segment(String name) {
        return file.segment(name);
    }

    @Override
    public void close() {
        file.close();
    }
}
