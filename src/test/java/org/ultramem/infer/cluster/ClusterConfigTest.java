package org.ultramem.infer.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConfigTest {

    @TempDir
    Path dir;

    private ClusterConfig load(String text) throws IOException {
        Path f = dir.resolve("cluster.yaml");
        Files.writeString(f, text);
        return ClusterConfig.load(f);
    }

    private String error(String text) {
        return assertThrows(IllegalArgumentException.class, () -> load(text)).getMessage();
    }

    @Test
    void readsFlatYamlWithBothListFormsAndDefaults() throws IOException {
        ClusterConfig c = load("""
                # three members on this machine
                cluster_name: demo
                members:
                  - 127.0.0.1:5701
                  - "127.0.0.1:5702"
                block_kb: 256
                """);
        assertEquals("demo", c.clusterName());
        assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), c.members());
        assertEquals(256, c.blockKb());
        assertEquals(1, c.backupCount());
        assertFalse(c.readRows());
        assertEquals("127.0.0.1", c.host(1));
        assertEquals(5702, c.port(1));
        assertEquals(512, c.blockRows(128));   // 256 KB of 128 floats
        ClusterConfig flow = load("members: [127.0.0.1:5701, 127.0.0.1:5702]\nread: rows\n");
        assertEquals(2, flow.members().size());
        assertTrue(flow.readRows());
    }

    @Test
    void readsJson() throws IOException {
        ClusterConfig c = load("{\"members\": [\"127.0.0.1:5801\"], \"backup_count\": 0}");
        assertEquals(5801, c.port(0));
        assertEquals(0, c.backupCount());
    }

    @Test
    void errorsNameTheKeyAndTheRule() {
        assertTrue(error("members: [127.0.0.1:5701]\nblock_size: 3\n")
                .contains("unknown key `block_size`"));
        assertTrue(error("members: [127.0.0.1:5701]\nblock_kb: 1024\n")
                .contains("`block_kb` (1024) must be an integer in 64..512"));
        assertTrue(error("members: [localhost]\n")
                .contains("`members` entry `localhost` must be host:port"));
        assertTrue(error("block_kb: 64\n").contains("key `members`"));
        assertTrue(error("members: [127.0.0.1:1]\nread: all\n").contains("key `read` (all)"));
        assertTrue(error("members [a]\n").contains("is not `key: value`"));
    }
}
