package org.ultramem;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** House rules that keep the code base navigable: checked on the sources, not by review. */
class ArchitectureTest {

    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

    private static List<Path> sources() throws IOException {
        try (Stream<Path> s = Files.walk(MAIN)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    @Test
    void onlyTheKernelPackageImportsTheVectorApi() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path p : sources()) {
            String src = Files.readString(p);
            String pkg = packageOf(src);
            if (src.contains("jdk.incubator.vector") && !pkg.equals("org.ultramem.tensor.kernel")) {
                offenders.add(p.toString());
            }
        }
        assertTrue(offenders.isEmpty(), "only org.ultramem.tensor.kernel may use jdk.incubator.vector: " + offenders);
    }

    @Test
    void noSourceFileExceeds800Lines() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path p : sources()) {
            long lines = Files.readAllLines(p).size();
            if (lines > 800) {
                offenders.add(p + " (" + lines + " lines)");
            }
        }
        assertTrue(offenders.isEmpty(), "files over the 800-line cap; split them by idea: " + offenders);
    }

    @Test
    void everyPackageHasAPackageInfo() throws IOException {
        Set<Path> dirs = new TreeSet<>();
        for (Path p : sources()) {
            dirs.add(p.getParent());
        }
        List<String> missing = new ArrayList<>();
        for (Path d : dirs) {
            if (!Files.exists(d.resolve("package-info.java"))) {
                missing.add(MAIN.relativize(d).toString().replace('/', '.'));
            }
        }
        assertTrue(missing.isEmpty(), "packages without package-info.java (say what lives there): " + missing);
    }

    @Test
    void packageDeclarationsMatchTheirFolders() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path p : sources()) {
            String expected = MAIN.relativize(p.getParent()).toString().replace('/', '.');
            String declared = packageOf(Files.readString(p));
            if (!declared.equals(expected)) {
                offenders.add(p + " declares " + declared);
            }
        }
        assertTrue(offenders.isEmpty(), "package declarations that do not match their folder: " + offenders);
    }

    @Test
    void packagesHaveNoDependencyCycles() throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        for (Path p : sources()) {
            String src = Files.readString(p);
            String pkg = packageOf(src);
            Set<String> out = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
            Matcher m = IMPORT.matcher(src);
            while (m.find()) {
                String imp = m.group(1);
                if (imp.startsWith("org.ultramem.")) {
                    String target = imp.substring(0, imp.lastIndexOf('.'));
                    // static imports and nested types: strip trailing capitalised segments
                    while (target.contains(".") && Character.isUpperCase(target.charAt(target.lastIndexOf('.') + 1))) {
                        target = target.substring(0, target.lastIndexOf('.'));
                    }
                    if (!target.equals(pkg)) {
                        out.add(target);
                    }
                }
            }
        }
        for (String start : deps.keySet()) {
            List<String> cycle = findCycle(start, start, deps, new ArrayList<>(), new TreeSet<>());
            assertTrue(cycle == null, "package dependency cycle: " + cycle);
        }
    }

    private static List<String> findCycle(String start, String at, Map<String, Set<String>> deps,
                                          List<String> path, Set<String> seen) {
        path.add(at);
        for (String next : deps.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                List<String> c = new ArrayList<>(path);
                c.add(start);
                return c;
            }
            if (seen.add(next)) {
                List<String> c = findCycle(start, next, deps, path, seen);
                if (c != null) {
                    return c;
                }
            }
        }
        path.remove(path.size() - 1);
        return null;
    }

    private static String packageOf(String src) {
        Matcher m = PACKAGE.matcher(src);
        return m.find() ? m.group(1) : "";
    }
}
