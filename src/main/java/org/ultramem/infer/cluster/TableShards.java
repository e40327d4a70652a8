package org.ultramem.infer.cluster;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.InvalidConfigurationException;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.ultramem.infer.DecodeArchitecture;
import org.ultramem.infer.Matrix;
import org.ultramem.infer.Precision;
import org.ultramem.infer.WeightStore;
import org.ultramem.io.DType;
import org.ultramem.model.MemorySpec;
import org.ultramem.tensor.kernel.KernelProvider;

/**
 * The value tables of a model as cluster shards: {@link #write} puts each table in a shard file
 * (rows as little-endian fp32), {@link #load} declares its IMap (one entry per block, backups,
 * OBJECT format, no index, {@link BlockLoader} eager) and waits until every owner has loaded its
 * blocks. The table directory {@code ultramem.tables} (an IMap of name → "rows width R") lets
 * readers find a table's geometry.
 */
public final class TableShards {

    /** Name → "rows width blockRows" of every table loaded. */
    static final String DIRECTORY = "ultramem.tables";

    private TableShards() {
    }

    /** A loaded table: its tensor name, map, N, D_v and R. */
    public record Table(String name, String mapName, int rows, int width, int blockRows) {

        /** Blocks in the map: ⌈N / R⌉. */
        public int blocks() {
            return (rows + blockRows - 1) / blockRows;
        }
    }

    /** The IMap holding tensor {@code name}. */
    static String mapName(String name) {
        return "ultramem:" + name;
    }

    /** The value tables the decoders of {@code arch} read (checkpoint names). */
    public static List<String> tableNames(DecodeArchitecture arch) {
        List<String> names = new ArrayList<>();
        boolean v2 = false;
        for (DecodeArchitecture.MemorySlot s : arch.memory()) {
            if (s.ultraMemV2() == null) {
                names.add("model.memory_layers." + s.index() + ".values");
            } else if (!v2) {
                v2 = true;
                names.add(MemorySpec.V2.HOLDER_PREFIX + "values_for_look_up");
                if (s.ultraMemV2().config().preValueDim() > 0) {
                    names.add(MemorySpec.V2.HOLDER_PREFIX + "pre_values_for_look_up");
                }
            }
        }
        return names;
    }

    /** The shard file of tensor {@code name} under {@code dir}. */
    public static Path shardFile(Path dir, String name) {
        return dir.resolve(name + ".f32");
    }

    /** Writes tensor {@code name} of {@code store} as a [N, D_v] fp32 shard; returns N, D_v. */
    public static int[] write(WeightStore store, String name, Path dir) {
        long[] shape = store.shape(name);
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        int rows = Math.toIntExact(shape[0]);
        int width = Math.toIntExact(numel / rows);
        Precision p = store.dtype(name) == DType.BF16 ? Precision.BF16 : Precision.F32;
        try (Arena arena = Arena.ofConfined()) {
            Matrix m = Matrix.load(store, name, rows, width, p, arena);
            Files.createDirectories(dir);
            Path tmp = dir.resolve(name + ".f32.tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                float[] row = new float[width];
                ByteBuffer buf = ByteBuffer.allocate(width * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int r = 0; r < rows; r++) {
                    m.readRow(KernelProvider.scalar(), row, 0, r);
                    buf.clear();
                    buf.asFloatBuffer().put(row);
                    buf.limit(width * 4);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
            }
            Files.move(tmp, shardFile(dir, name), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write shard of `" + name + "` under " + dir
                    + ": " + e.getMessage(), e);
        }
        return new int[] {rows, width};
    }

    /**
     * Declares the map of tensor {@code name} (shard {@code shard}, N rows of D_v floats) on the
     * cluster {@code hz} belongs to and loads it; returns the table once every block is in.
     */
    public static Table load(HazelcastInstance hz, ClusterConfig cfg, String name, Path shard,
                             int rows, int width) {
        Table t = new Table(name, mapName(name), rows, width, cfg.blockRows(width));
        MapStoreConfig store = new MapStoreConfig().setEnabled(true)
                .setClassName(BlockLoader.class.getName())
                .setInitialLoadMode(MapStoreConfig.InitialLoadMode.EAGER);
        store.setProperty(BlockLoader.SHARD, shard.toAbsolutePath().toString());
        store.setProperty(BlockLoader.ROWS, Integer.toString(rows));
        store.setProperty(BlockLoader.WIDTH, Integer.toString(width));
        store.setProperty(BlockLoader.BLOCK_ROWS, Integer.toString(t.blockRows()));
        IMap<String, String> dir = hz.getMap(DIRECTORY);
        boolean loadedBefore = dir.containsKey(name);
        try {
            hz.getConfig().addMapConfig(new MapConfig(t.mapName())
                    .setBackupCount(cfg.backupCount()).setAsyncBackupCount(0)
                    .setInMemoryFormat(InMemoryFormat.OBJECT).setMapStoreConfig(store));
        } catch (InvalidConfigurationException e) {
            throw new IllegalArgumentException("cluster `" + cfg.clusterName() + "` already holds"
                    + " table `" + name + "` with other settings (shard path, shape, block_kb or"
                    + " backup_count); restart its members to load it anew", e);
        }
        IMap<Integer, float[]> map = hz.getMap(t.mapName());
        if (loadedBefore) {
            // same settings, perhaps a new checkpoint in the same shard: read every block again
            map.loadAll(true);
        }
        int size = map.size();
        if (size != t.blocks()) {
            throw new IllegalStateException("table `" + name + "` loaded " + size + " of "
                    + t.blocks() + " blocks from " + shard + "; check the members' logs");
        }
        dir.put(name, rows + " " + width + " " + t.blockRows());
        return t;
    }

    /** The loaded table {@code name}, or null when the cluster does not hold it. */
    static Table find(HazelcastInstance hz, String name) {
        IMap<String, String> dir = hz.getMap(DIRECTORY);
        String v = dir.get(name);
        if (v == null) {
            return null;
        }
        String[] f = v.split(" ");
        return new Table(name, mapName(name), Integer.parseInt(f[0]), Integer.parseInt(f[1]),
                Integer.parseInt(f[2]));
    }
}
