package org.ultramem.serve;

/**
 * A request the server answers with an error status and an OpenAI-style body
 * {@code {"error": {"message", "type", "param", "code"}}}: thrown while parsing and validating,
 * caught by the routes. {@code param} names the offending request field (or is null).
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiError(int status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400 invalid_request_error for field {@code param}. */
    static ApiError invalid(String param, String code, String message) {
        return new ApiError(400, "invalid_request_error", param, code, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }
}
