package io.halite.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PasswordHashTest {
    @Test
    void bcryptHashesFromOtherImplementationsAreAccepted() {
        // crypt_blowfish's test vector (Openwall), in each prefix the format allows.
        for (String prefix : new String[] {"$2a$", "$2b$", "$2y$"}) {
            PasswordHash hash = PasswordHash.parse(prefix + "05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");
            assertThat(hash.matches("U*U".toCharArray())).as(prefix).isTrue();
            assertThat(hash.matches("U*V".toCharArray())).as(prefix).isFalse();
        }
    }

    @Test
    void aScramVerifierComputedElsewhereIsAccepted() {
        // Computed with Python's hashlib/hmac from the formulas in RFC 5802 (PostgreSQL's storage format).
        PasswordHash hash = PasswordHash.parse("SCRAM-SHA-256$4096:aGFsaXRlLXRlc3Qtc2FsdA==$"
                + "SszREYbeP0mAB9bIHuypsUaYq3ZfGimbshGIp/BDaHI=:qILVjhtSHEprYoWymCmfdRE87gKL84WPmvRc5wkPgl4=");
        assertThat(hash.matches("pencil".toCharArray())).isTrue();
        assertThat(hash.matches("pencil ".toCharArray())).isFalse();
    }

    @Test
    void newHashesCheckTheirPasswordOnly() {
        String bcrypt = PasswordHash.bcrypt("héllo wörld".toCharArray(), 4);
        assertThat(bcrypt).startsWith("$2b$04$").hasSize(60);
        assertThat(PasswordHash.parse(bcrypt).matches("héllo wörld".toCharArray())).isTrue();
        assertThat(PasswordHash.parse(bcrypt).matches("hello world".toCharArray())).isFalse();
        String scram = PasswordHash.scram("héllo wörld".toCharArray(), 4096);
        assertThat(PasswordHash.parse(scram).matches("héllo wörld".toCharArray())).isTrue();
        assertThat(PasswordHash.parse(scram).matches("hello world".toCharArray())).isFalse();
        assertThat(PasswordHash.scram("x".toCharArray(), 4096)).isNotEqualTo(PasswordHash.scram("x".toCharArray(), 4096));
    }

    @Test
    void aPasswordBcryptWouldCutIsRefused() {
        assertThatThrownBy(() -> PasswordHash.bcrypt("x".repeat(73).toCharArray(), 4))
                .hasMessage("bcrypt uses only the first 72 bytes of a password; this one is longer: use --scram");
    }

    @Test
    void unknownFormatsAreRefusedWithoutRepeatingTheValue() {
        assertThatThrownBy(() -> PasswordHash.parse("hunter2"))
                .hasMessageStartingWith("unknown password hash format (7 characters); use a bcrypt hash")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> PasswordHash.parse("$1$abc$def"))
                .hasMessageStartingWith("unknown password hash format (10 characters, starting with '$1$')");
        assertThatThrownBy(() -> PasswordHash.parse("SCRAM-SHA-256$4096:c2FsdA==$c2hvcnQ=:c2hvcnQ="))
                .hasMessageStartingWith("malformed SCRAM-SHA-256 verifier");
    }
}
