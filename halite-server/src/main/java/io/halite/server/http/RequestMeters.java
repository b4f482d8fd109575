package io.halite.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Counts and times every request by endpoint and status: {@code halite_http_requests_total{endpoint,code}} and
 * {@code halite_http_request_duration_seconds{endpoint}}. The endpoint is the route's name
 * ({@link HttpApi#endpointOf}), never the raw path, so a client cannot create series at will. A request is
 * counted when its response is complete (answers to writes are sent after the commit, on another thread).
 */
public final class RequestMeters extends Handler.Wrapper {
    private static final Duration[] BUCKETS = {Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private final MeterRegistry registry;
    private final Map<String, Timer> durations = new ConcurrentHashMap<>();
    private final Map<String, Counter> counts = new ConcurrentHashMap<>();

    public RequestMeters(MeterRegistry registry, Handler handler) {
        super(handler);
        this.registry = registry;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        long start = System.nanoTime();
        String endpoint = HttpApi.endpointOf(Request.getPathInContext(request));
        Callback counted = new Callback() {
            @Override
            public void succeeded() {
                record(endpoint, response.getStatus(), start);
                callback.succeeded();
            }

            @Override
            public void failed(Throwable cause) {
                record(endpoint, response.getStatus(), start);
                callback.failed(cause);
            }

            @Override
            public InvocationType getInvocationType() {
                return callback.getInvocationType();
            }
        };
        return super.handle(request, response, counted);
    }

    private void record(String endpoint, int status, long startNanos) {
        durations.computeIfAbsent(endpoint, e -> Timer.builder("halite.http.request.duration")
                        .description("Time from receiving a request to completing its response")
                        .tag("endpoint", e)
                        .serviceLevelObjectives(BUCKETS)
                        .register(registry))
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        String code = Integer.toString(status);
        counts.computeIfAbsent(endpoint + " " + code, key -> Counter.builder("halite.http.requests")
                        .description("HTTP requests answered, by endpoint and status code")
                        .tag("endpoint", endpoint)
                        .tag("code", code)
                        .register(registry))
                .increment();
    }
}
