package io.halite.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** The assertion the parser tests share: a request refused with 400 and exactly this message for the client. */
final class BadRequest {
    private BadRequest() {}

    static void assertBadRequest(ThrowingCallable parse, String message) {
        assertThatThrownBy(parse)
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessage(message);
    }
}
