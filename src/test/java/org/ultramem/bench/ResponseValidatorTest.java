package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ultramem.bench.ResponseValidator.Outcome;
import org.ultramem.bench.ResponseValidator.Response;
import org.ultramem.bench.ResponseValidator.Verdict;

/**
 * The soak's response validator: well-formed answers pass, and a broken stream, a bad JSON body,
 * a rejection without an error body or a bad request let through are each flagged.
 */
class ResponseValidatorTest {

    private final ResponseValidator v = new ResponseValidator(4, 5, 9);

    private static final String JSON = "application/json";
    private static final String SSE = "text/event-stream; charset=utf-8";
    private static final String ERROR = "{\"error\": {\"message\": \"the server's queue is full\","
            + " \"type\": \"rate_limit_error\", \"param\": null, \"code\": \"queue_full\"}}";

    private static String chunk(String text, String finish) {
        return "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,"
                + "\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\"" + text + "\","
                + "\"logprobs\":null,\"finish_reason\":" + (finish == null ? "null"
                : "\"" + finish + "\"") + "}]}\n\n";
    }

    private static String usage(int prompt, int completion, int total) {
        return "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,"
                + "\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt
                + ",\"completion_tokens\":" + completion + ",\"total_tokens\":" + total + "}}\n\n";
    }

    private static final String GOOD_STREAM = chunk("a", null) + ": keep-alive\n\n"
            + chunk("b", null) + chunk("", "length") + usage(5, 4, 9) + "data: [DONE]\n\n";

    private Verdict stream(String body) {
        return v.check(SoakRequest.COMPLETION_STREAM, new Response(200, SSE, null, body));
    }

    @Test
    void wellFormedStreamAndBodiesPass() {
        Verdict s = stream(GOOD_STREAM);
        assertEquals(Outcome.OK, s.outcome(), s.why());
        assertEquals(4, s.completionTokens());
        String chat = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
                + "\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,"
                + "\"completion_tokens\":2,\"total_tokens\":11}}";
        Verdict c = v.check(SoakRequest.CHAT, new Response(200, JSON, null, chat));
        assertEquals(Outcome.OK, c.outcome(), c.why());
        assertEquals(2, c.completionTokens());
        assertEquals(Outcome.REJECTED, v.check(SoakRequest.CHAT_STREAM,
                new Response(429, JSON, "1", ERROR)).outcome());
        String refusal = ERROR.replace("queue_full", "invalid_json");
        assertEquals(Outcome.REFUSED_BAD_INPUT, v.check(SoakRequest.MALFORMED_JSON,
                new Response(400, JSON, null, refusal)).outcome());
        assertEquals(Outcome.REFUSED_BAD_INPUT, v.check(SoakRequest.OVERSIZED_BODY,
                new Response(413, JSON, null, ERROR.replace("queue_full", "request_too_large")))
                .outcome());
    }

    @Test
    void brokenStreamsAreMalformed() {
        String[] broken = {
            GOOD_STREAM.replace("data: [DONE]\n\n", ""),                  // no [DONE]
            GOOD_STREAM.replace("data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\","
                    + "\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\"b\"",
                    "data: {\"id\":\"cmpl-1\",\"object\""),                 // truncated JSON
            GOOD_STREAM.replace(": keep-alive", "event: ping"),           // not data nor comment
            GOOD_STREAM + chunk("c", null),                               // data after [DONE]
            GOOD_STREAM.replace(usage(5, 4, 9), usage(5, 3, 8)),          // length but 3 of 4
            GOOD_STREAM.replace(usage(5, 4, 9), usage(5, 4, 10)),         // total != sum
            GOOD_STREAM.replace(usage(5, 4, 9), usage(6, 4, 10)),         // wrong prompt tokens
            GOOD_STREAM.replace(usage(5, 4, 9), ""),                      // no usage chunk
            GOOD_STREAM.replace("cmpl-1\",\"object\":\"text_completion\",\"created\":1,"
                    + "\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\"b\"",
                    "cmpl-2\",\"object\":\"text_completion\",\"created\":1,"
                    + "\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\"b\""), // ids differ
        };
        for (String body : broken) {
            Verdict s = stream(body);
            assertEquals(Outcome.MALFORMED, s.outcome(), body);
            assertTrue(s.why() != null && !s.why().isEmpty());
        }
        assertEquals(Outcome.MALFORMED, v.check(SoakRequest.COMPLETION_STREAM,
                new Response(200, JSON, null, GOOD_STREAM)).outcome(), "wrong content type");
    }

    @Test
    void badBodiesAndUnexpectedStatusesAreMalformed() {
        Verdict notJson = v.check(SoakRequest.COMPLETION, new Response(200, JSON, null,
                "{\"id\": \"cmpl-1\", \"choices\": [{\"text\": \"a\""));
        assertEquals(Outcome.MALFORMED, notJson.outcome());
        assertTrue(notJson.why().startsWith("not JSON"), notJson.why());
        assertEquals(Outcome.MALFORMED, v.check(SoakRequest.COMPLETION, new Response(200, JSON,
                null, "{\"id\": \"cmpl-1\", \"object\": \"text_completion\"}")).outcome());
        // A rejection must carry an error body and Retry-After.
        assertEquals(Outcome.MALFORMED, v.check(SoakRequest.COMPLETION, new Response(429, JSON,
                "1", "queue full")).outcome());
        assertEquals(Outcome.MALFORMED, v.check(SoakRequest.COMPLETION, new Response(503, JSON,
                null, ERROR)).outcome());
        // A bad request must be refused with its own status and code.
        assertEquals(Outcome.MALFORMED, v.check(SoakRequest.LONG_PROMPT, new Response(200, JSON,
                null, "{}")).outcome());
        assertEquals(Outcome.MALFORMED, v.check(SoakRequest.LONG_PROMPT, new Response(400, JSON,
                null, ERROR.replace("queue_full", "invalid_json"))).outcome());
        assertEquals(Outcome.MALFORMED, v.check(SoakRequest.CHAT, new Response(404, JSON, null,
                ERROR)).outcome());
    }

    @Test
    void serverErrorsAndTimeoutsAreCountedByKind() {
        assertEquals(Outcome.SERVER_ERROR, v.check(SoakRequest.CHAT, new Response(500, JSON,
                null, ERROR)).outcome());
        assertEquals(Outcome.TIMEOUT, v.check(SoakRequest.CHAT, new Response(504, JSON, null,
                ERROR)).outcome());
        String timeoutEvent = chunk("a", null) + "data: {\"error\": {\"message\": \"late\","
                + " \"type\": \"timeout_error\", \"param\": null, \"code\": \"request_timeout\"}}"
                + "\n\ndata: [DONE]\n\n";
        assertEquals(Outcome.TIMEOUT, stream(timeoutEvent).outcome());
        assertEquals(Outcome.SERVER_ERROR, stream(timeoutEvent.replace("request_timeout",
                "engine_error")).outcome());
    }

    @Test
    void backoffFollowsRetryAfterUpToTheCap() {
        assertEquals(1000, SoakClient.backoffMs("5"));
        assertEquals(0, SoakClient.backoffMs("0"));
        assertEquals(1000, SoakClient.backoffMs(null));
        assertEquals(1000, SoakClient.backoffMs("Wed, 21 Oct 2015 07:28:00 GMT"));
    }
}
