package org.ultramem.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;
import org.ultramem.io.ConfigJson;

/** The {@link ClusterDecodeBench} result as a markdown table or as one JSON object. */
final class ClusterDecodeReport {

    private ClusterDecodeReport() {
    }

    /** Rows mode gave every logit bit for bit and the same tokens at every batch. */
    static boolean exact(ClusterDecodeBench.Result r, String mode) {
        return r.points().stream().filter(p -> p.mode().equals(mode))
                .allMatch(p -> p.logitsIdentical() && p.tokensEqual());
    }

    static String text(ClusterDecodeBench.Result r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%s: %d-token validation prompts, %d decode steps per batch, %d members (this"
                        + " JVM, loopback)%n%n", r.model(), r.promptTokens(), r.steps(),
                ClusterDecodeBench.MEMBERS));
        sb.append("| batch | mode | local ms | cluster ms | ratio | local read ms"
                + " | cluster read ms | bytes/step | bound | tokens equal | logits identical"
                + " | max abs diff | max rel diff |\n");
        sb.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|\n");
        for (ClusterDecodeBench.Point p : r.points()) {
            sb.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %.2f | %.2fx | %.2f | %.2f"
                            + " | %d | %d | %s | %s | %.3g | %.3g |%n", p.batch(), p.mode(),
                    p.localMs(), p.clusterMs(), p.clusterMs() / p.localMs(), p.localReadMs(),
                    p.clusterReadMs(), p.bytesPerStep(), p.boundBytes(), p.tokensEqual(),
                    p.logitsIdentical(), p.maxAbsDiff(), p.maxRelDiff()));
        }
        sb.append(String.format(Locale.ROOT, "%nexact_rows %s, exact_sums %s (read ms: time"
                        + " inside the value stores; bound: owners x B x E.D_v x 4 x 1.5 over the"
                        + " reads summed at the owners)%n", exact(r, "rows"), exact(r, "sums")));
        ClusterKillRun.Outcome k = r.kill();
        if (k != null) {
            sb.append(String.format(Locale.ROOT, "%nkill: %d generations of %d tokens from %d"
                            + " threads, member terminated at request %d: failed %d, wrong %d,"
                            + " recovery %.2f s (normal step %.2f ms, worst after the kill %.1f ms,"
                            + " worst request %.1f ms), %d members left%n",
                    k.plan().requests(), k.plan().tokens(), k.plan().threads(), k.plan().at(),
                    k.failed(), k.wrong(), k.recoveryS(), k.normalStepMs(), k.worstStepMs(),
                    k.worstRequestMs(), k.membersAfter()));
            if (k.firstError() != null) {
                sb.append("first failure: ").append(k.firstError()).append('\n');
            }
        }
        return sb.toString();
    }

    static String json(ClusterDecodeBench.Result r) {
        ObjectNode root = ConfigJson.newObject();
        root.put("model", r.model().toString());
        root.put("members", ClusterDecodeBench.MEMBERS);
        root.put("prompt_tokens", r.promptTokens());
        root.put("steps", r.steps());
        root.put("exact_rows", exact(r, "rows"));
        root.put("exact_sums", exact(r, "sums"));
        ArrayNode arr = root.putArray("points");
        for (ClusterDecodeBench.Point p : r.points()) {
            ObjectNode n = arr.addObject();
            n.put("batch", p.batch());
            n.put("mode", p.mode());
            n.put("local_ms", p.localMs());
            n.put("cluster_ms", p.clusterMs());
            n.put("local_read_ms", p.localReadMs());
            n.put("cluster_read_ms", p.clusterReadMs());
            n.put("bytes_per_step", p.bytesPerStep());
            n.put("bound_bytes", p.boundBytes());
            n.put("tokens_equal", p.tokensEqual());
            n.put("logits_identical", p.logitsIdentical());
            n.put("max_abs_diff", p.maxAbsDiff());
            n.put("max_rel_diff", p.maxRelDiff());
        }
        ClusterKillRun.Outcome k = r.kill();
        if (k != null) {
            ObjectNode n = root.putObject("kill");
            n.put("mode", "sums");
            n.put("requests", k.plan().requests());
            n.put("tokens", k.plan().tokens());
            n.put("threads", k.plan().threads());
            n.put("kill_at", k.plan().at());
            n.put("failed", k.failed());
            n.put("wrong", k.wrong());
            n.put("recovery_s", k.recoveryS());
            n.put("normal_step_ms", k.normalStepMs());
            n.put("worst_step_ms", k.worstStepMs());
            n.put("worst_request_ms", k.worstRequestMs());
            n.put("members_after", k.membersAfter());
            if (k.firstError() != null) {
                n.put("first_error", k.firstError());
            }
        }
        return ConfigJson.toCompactJson(root);
    }
}
