package dev.nabla.data;

import dev.nabla.core.NablaException.FormatException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Opens what the readers read: a stream, gunzipped when it starts with gzip's magic (1f 8b). */
final class Sources {
    private static final int BUFFER = 1 << 16;

    private Sources() {}

    /** {@code in}, buffered, and decompressed if it is gzip: recognized by content, not by name. */
    static InputStream decompressed(InputStream in) throws IOException {
        var buffered = new BufferedInputStream(in, BUFFER);
        if (isGzip(buffered)) {
            return new BufferedInputStream(new GZIPInputStream(buffered, BUFFER), BUFFER);
        }
        return buffered;
    }

    /** A gzip stream that ends early or does not decompress: a malformed file, named. */
    static FormatException corruptGzip(String op, String name, IOException e) {
        return new FormatException(op + ": " + name + " is a truncated or corrupt gzip stream: " + e.getMessage(), e);
    }

    static boolean isGzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }
}
