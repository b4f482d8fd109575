package io.halite.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdvertisedAddressTest {
    private static String advertised(String given, String bound, Optional<String> hostName) {
        return ServeCommand.advertisedAddress(given, "--raft-adv-addr", HostPort.parse(bound, "--raft-addr"), hostName);
    }

    @Test
    void aGivenAdvertisedAddressIsWhatOthersAreTold() {
        assertThat(advertised("halite-0.halite:4002", "0.0.0.0:4002", Optional.of("vm"))).isEqualTo("halite-0.halite:4002");
    }

    @Test
    void withoutOneABoundAddressIsAdvertisedAsItIs() {
        assertThat(advertised(null, "10.0.0.1:4002", Optional.of("vm"))).isEqualTo("10.0.0.1:4002");
    }

    @Test
    void aWildcardBindAdvertisesTheHostNameNeverTheWildcard() {
        assertThat(advertised(null, "0.0.0.0:4002", Optional.of("halite-1"))).isEqualTo("halite-1:4002");
        assertThat(advertised(null, "[::]:4002", Optional.of("halite-1"))).isEqualTo("halite-1:4002");
    }

    @Test
    void aWildcardBindWithoutAHostNameOrAWildcardAdvertisedAddressIsRefused() {
        assertThatThrownBy(() -> advertised(null, "0.0.0.0:4002", Optional.empty()))
                .hasMessageContaining("give --raft-adv-addr");
        assertThatThrownBy(() -> advertised("0.0.0.0:4002", "0.0.0.0:4002", Optional.of("vm")))
                .hasMessageContaining("must name an address others can reach");
    }
}
