package org.ultramem.serve;

import java.time.Duration;
import org.ultramem.infer.Precision;

/**
 * How {@code ultramem serve} runs: where it listens ({@code port} 0 takes a free port), the
 * running batch ({@code maxBatch} KV slots) and the wait queue ({@code maxQueue}; a request past
 * it gets 429), how long one request may take from arrival to its last token (queueing
 * included), the largest request body, how often an idle stream sends a keep-alive comment (how
 * soon a vanished client is noticed while queued), the KV cache precision and the nice value of
 * the engine's threads ({@link EnginePriority}; 0 leaves them alone).
 */
public record ServeOptions(String host, int port, int maxBatch, int maxQueue,
                           Duration requestTimeout, int maxBodyBytes, Duration heartbeat,
                           Precision kvPrecision, int engineNice) {

    /** Body cap: a prompt as long as any context fits many times over. */
    public static final int DEFAULT_MAX_BODY = 1 << 20;

    public ServeOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port " + port + " must be in [0, 65535]"
                    + " (0 picks a free port)");
        }
        if (maxBatch < 1 || maxBatch > 4096) {
            throw new IllegalArgumentException("--max-batch " + maxBatch + " must be in [1, 4096]");
        }
        if (maxQueue < 1 || maxQueue > 1_000_000) {
            throw new IllegalArgumentException("--max-queue " + maxQueue + " must be in"
                    + " [1, 1000000]");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("--request-timeout " + requestTimeout.toSeconds()
                    + " s must be > 0");
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("max body " + maxBodyBytes + " bytes must be >= 1024");
        }
        EnginePriority.checkNice(engineNice);
    }

    /** Defaults for everything but the address and the batch. */
    public static ServeOptions of(String host, int port, int maxBatch, int maxQueue) {
        return new ServeOptions(host, port, maxBatch, maxQueue, Duration.ofMinutes(10),
                DEFAULT_MAX_BODY, Duration.ofSeconds(1), Precision.F32, 0);
    }

    public ServeOptions withTimeout(Duration timeout) {
        return new ServeOptions(host, port, maxBatch, maxQueue, timeout, maxBodyBytes, heartbeat,
                kvPrecision, engineNice);
    }

    public ServeOptions withHeartbeat(Duration every) {
        return new ServeOptions(host, port, maxBatch, maxQueue, requestTimeout, maxBodyBytes,
                every, kvPrecision, engineNice);
    }

    public ServeOptions withKvPrecision(Precision kv) {
        return new ServeOptions(host, port, maxBatch, maxQueue, requestTimeout, maxBodyBytes,
                heartbeat, kv, engineNice);
    }

    /** The engine's threads at {@code nice} (-20 to 0), ahead of the HTTP threads. */
    public ServeOptions withEngineNice(int nice) {
        return new ServeOptions(host, port, maxBatch, maxQueue, requestTimeout, maxBodyBytes,
                heartbeat, kvPrecision, nice);
    }
}
