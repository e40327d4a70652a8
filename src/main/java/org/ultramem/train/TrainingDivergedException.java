package org.ultramem.train;

/**
 * Training stopped because the loss or the gradient norm became NaN or infinite. The message
 * names the step and the value and suggests a fix; the last checkpoint on disk is left as it was.
 */
public final class TrainingDivergedException extends RuntimeException {

    private final long step;

    public TrainingDivergedException(long step, String message) {
        super(message);
        this.step = step;
    }

    /** The 1-based optimizer step whose loss or gradient was not finite. */
    public long step() {
        return step;
    }
}
