package org.ultramem.infer.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapLoader;
import com.hazelcast.map.MapLoaderLifecycleSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;

/**
 * Loads a table's blocks from its shard file ({@link TableShards}) on the member that owns them:
 * Hazelcast calls {@link #loadAllKeys} once, then {@link #loadAll} on each owner with the keys of
 * its partitions (eager initial load). A block is rows [id·R, min(N, (id+1)·R)) as fp32.
 */
public final class BlockLoader implements MapLoader<Integer, float[]>, MapLoaderLifecycleSupport {

    /** Map-store properties: the shard file, N, D_v and R. */
    static final String SHARD = "shard";
    static final String ROWS = "rows";
    static final String WIDTH = "width";
    static final String BLOCK_ROWS = "block_rows";

    private Path shard;
    private int rows;
    private int width;
    private int blockRows;

    @Override
    public void init(HazelcastInstance hz, Properties p, String mapName) {
        shard = Path.of(p.getProperty(SHARD));
        rows = Integer.parseInt(p.getProperty(ROWS));
        width = Integer.parseInt(p.getProperty(WIDTH));
        blockRows = Integer.parseInt(p.getProperty(BLOCK_ROWS));
    }

    @Override
    public void destroy() {
    }

    @Override
    public float[] load(Integer key) {
        return loadAll(java.util.List.of(key)).get(key);
    }

    @Override
    public Map<Integer, float[]> loadAll(Collection<Integer> keys) {
        Map<Integer, float[]> out = new HashMap<>();
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.READ)) {
            for (Integer id : keys) {
                int first = id * blockRows;
                int count = Math.min(rows, first + blockRows) - first;
                if (id < 0 || count <= 0) {
                    continue;
                }
                ByteBuffer buf = ByteBuffer.allocate(count * width * Float.BYTES)
                        .order(ByteOrder.LITTLE_ENDIAN);
                long pos = (long) first * width * Float.BYTES;
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + buf.position()) < 0) {
                        throw new IOException("shard " + shard + " ends before block " + id);
                    }
                }
                float[] block = new float[count * width];
                buf.flip().asFloatBuffer().get(block);
                out.put(id, block);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read shard " + shard + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public Iterable<Integer> loadAllKeys() {
        int blocks = (rows + blockRows - 1) / blockRows;
        return IntStream.range(0, blocks).boxed().toList();
    }
}
