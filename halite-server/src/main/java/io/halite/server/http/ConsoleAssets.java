package io.halite.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The web console's files: a fixed list read from the jar once, at start, and served from memory. Only the listed
 * names exist, so no request path can reach anything else (no directory listing, no traversal). The page talks to
 * the JSON API of the node that served it; the Content-Security-Policy allows scripts, styles and requests from
 * this origin only, and no inline script.
 */
final class ConsoleAssets {
    /** Where the console is served. */
    static final String PATH = "/console";

    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final String RESOURCE_DIR = "/io/halite/server/console/";
    private static final List<String> FILES = List.of("index.html", "console.css", "console.js", "icon.svg");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "svg", "image/svg+xml");

    private record Asset(byte[] bytes, String contentType, String etag) {}

    /** Keyed by request path: {@code /console/} is the page, {@code /console/NAME} each file. */
    private final Map<String, Asset> assets = new HashMap<>();

    ConsoleAssets() {
        for (String name : FILES) {
            Asset asset = load(name);
            assets.put(PATH + "/" + name, asset);
            if (name.equals("index.html")) {
                assets.put(PATH + "/", asset);
            }
        }
    }

    private static Asset load(String name) {
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("the console file " + name + " is missing from the jar");
            }
            byte[] bytes = in.readAllBytes();
            String extension = name.substring(name.lastIndexOf('.') + 1);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return new Asset(bytes, TYPES.get(extension), "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the console file " + name, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /** Answers a GET of {@link #PATH} or anything under it. */
    void serve(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (path.equals(PATH)) {
            // The page loads its files by relative names: they resolve under /console/ only.
            response.setStatus(301);
            response.getHeaders().put(HttpHeader.LOCATION, PATH + "/");
            response.write(true, ByteBuffer.allocate(0), callback);
            return;
        }
        Asset asset = assets.get(path);
        if (asset == null) {
            throw new ApiException(404, "no such console file: " + path);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, asset.contentType());
        // Revalidated on every load (a 304 when unchanged), so a node upgraded in place serves its new console.
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.getHeaders().put(HttpHeader.ETAG, asset.etag());
        response.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put("Referrer-Policy", "no-referrer");
        if (asset.etag().equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH))) {
            response.setStatus(304);
            response.write(true, ByteBuffer.allocate(0), callback);
            return;
        }
        response.setStatus(200);
        response.write(true, ByteBuffer.wrap(asset.bytes()), callback);
    }
}
