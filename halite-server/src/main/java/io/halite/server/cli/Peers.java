package io.halite.server.cli;

import io.halite.core.node.NodeConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;

/** Parses {@code --peers id1@host:port,id2@host:port,...}: every voting member, this node included. */
final class Peers {
    private Peers() {}

    static List<NodeConfig.Peer> parse(String text, String nodeId, String raftAddr) {
        List<NodeConfig.Peer> peers = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String item : text.split(",")) {
            String entry = item.trim();
            int at = entry.indexOf('@');
            if (at <= 0 || at == entry.length() - 1) {
                throw invalid("'" + entry + "' is not id@host:port");
            }
            String id = entry.substring(0, at);
            String address = entry.substring(at + 1);
            HostPort.parse(address, "--peers");
            if (!ids.add(id)) {
                throw invalid("node id '" + id + "' appears twice");
            }
            peers.add(new NodeConfig.Peer(id, address));
        }
        NodeConfig.Peer self = peers.stream().filter(p -> p.id().equals(nodeId)).findFirst()
                .orElseThrow(() -> invalid("this node (--node-id " + nodeId + ") must be in the list"));
        if (!self.raftAddress().equals(raftAddr)) {
            throw invalid("lists " + nodeId + " at " + self.raftAddress() + " but this node's Raft address (--raft-adv-addr, else --raft-addr) is " + raftAddr);
        }
        return peers;
    }

    private static CommandLine.ParameterException invalid(String message) {
        return new CommandLine.ParameterException(new CommandLine(new HaliteCommand()), "--peers " + message);
    }
}
