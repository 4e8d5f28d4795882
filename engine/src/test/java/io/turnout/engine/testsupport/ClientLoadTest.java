package io.turnout.engine.testsupport;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load fixture, driven straight against a test backend with no proxy in between. */
class ClientLoadTest {

    @Test
    void keepAliveClientsReuseTheirConnectionsAndCountNoErrorsWhenEveryAnswerPasses() {
        try (TestBackend backend = TestBackend.echo("v1")) {
            ClientLoad.Result result = ClientLoad.on(backend.port()).clients(4).requestsPerClient(50)
                    .verdict(response -> response.bodyText().equals("v1 GET /") ? null : "body " + response.bodyText())
                    .start().awaitCompletion();
            assertEquals(Map.of(), result.errors());
            assertEquals(200, result.requests());
            assertEquals(4, result.connections());
            assertEquals(196, result.reusedRequests());
            assertEquals(200, backend.requestCount());
        }
    }

    @Test
    void anHttp10ExchangeWithoutKeepAliveIsNeverReused() {
        try (TestBackend backend = TestBackend.echo("v1")) {
            ClientLoad.Result result = ClientLoad.on(backend.port()).clients(2).requestsPerClient(10)
                    .request("GET / HTTP/1.0\r\n\r\n").start().awaitCompletion();
            assertEquals(Map.of(), result.errors());
            assertEquals(20, result.connections());
            assertEquals(0, result.reusedRequests());
            assertEquals(0, result.keepAliveResponses());
        }
    }

    @Test
    void wrongAnswersAndBrokenConnectionsAreTalliedByKind() {
        try (TestBackend backend = TestBackend.start("v1", request ->
                request.connectionId() % 2 == 0 ? Reply.resetWithoutResponse() : Reply.status(503, "down").withConnectionClose())) {
            ClientLoad.Result result = ClientLoad.on(backend.port()).clients(1).requestsPerClient(4)
                    .readTimeout(Duration.ofSeconds(2)).start().awaitCompletion();
            assertEquals(4, result.requests());
            assertEquals(4, result.errorCount(), result.toString());
            assertEquals(2L, result.errors().get("status 503"), result.toString());
            assertTrue(result.errors().keySet().stream().anyMatch(label -> label.startsWith("on a new connection: ")),
                    result.toString());
        }
    }
}
