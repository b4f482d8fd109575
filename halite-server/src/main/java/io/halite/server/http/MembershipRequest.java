package io.halite.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/** Parses the bodies of {@code POST /join} and {@code DELETE /remove}, refusing anything it does not know. */
final class MembershipRequest {
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HOST_PORT = Pattern.compile("[^\\s/@,]+:\\d{1,5}");

    private MembershipRequest() {}

    /** A node asking to be added: its id, Raft address, and whether it votes. */
    record Join(String id, String raftAddress, boolean voter) {}

    static Join join(byte[] body) {
        JsonNode root = object(body, Set.of("id", "addr", "voter"));
        String id = id(root);
        JsonNode addr = root.get("addr");
        if (addr == null || !addr.isTextual() || !HOST_PORT.matcher(addr.textValue()).matches()) {
            throw ApiException.badRequest("\"addr\" must be the joining node's Raft address, host:port");
        }
        JsonNode voter = root.get("voter");
        if (voter != null && !voter.isBoolean()) {
            throw ApiException.badRequest("\"voter\" must be true or false");
        }
        return new Join(id, addr.textValue(), voter == null || voter.booleanValue());
    }

    /** The id of the member to remove. */
    static String remove(byte[] body) {
        return id(object(body, Set.of("id")));
    }

    private static String id(JsonNode root) {
        JsonNode id = root.get("id");
        if (id == null || !id.isTextual() || !NODE_ID.matcher(id.textValue()).matches()) {
            throw ApiException.badRequest("\"id\" must be a node id (letters, digits, '.', '_' or '-')");
        }
        return id.textValue();
    }

    private static JsonNode object(byte[] body, Set<String> fields) {
        JsonNode root = JsonBody.read(body);
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.contains(name)) {
                throw ApiException.badRequest("unknown field \"" + name + "\"; expected "
                        + String.join(", ", new java.util.TreeSet<>(fields)));
            }
        }
        return root;
    }
}
