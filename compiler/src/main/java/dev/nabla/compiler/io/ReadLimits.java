package dev.nabla.compiler.io;

import dev.nabla.core.NablaException;

/**
 * What a {@link GraphReader} is willing to hold, so that no file, however made, can exhaust its
 * memory or time: past any of these the reader stops with a {@code GraphFileException} naming the
 * limit, before allocating for what the file claims.
 *
 * @param maxDocumentBytes    the file's length
 * @param maxEntries          nodes and bodies (each costs a few hundred bytes of graph)
 * @param maxEntryTokens      values within one entry (a concatenation's inputs, a body's lists)
 * @param maxTokens           JSON tokens in the whole file
 * @param maxStringLength     characters of one string (names); "data" is not a string in this sense
 * @param maxRank             axes of one shape
 * @param maxNesting          loops and conditionals inside one another (transforms and printers
 *                            walk nested bodies by recursion)
 * @param maxElements         elements of one tensor's shape (at most 2^31 - 1)
 * @param maxConstantElements elements of all dense constants together (8 bytes each in the graph)
 * @param maxValueElements    elements of all parameter values together
 */
public record ReadLimits(long maxDocumentBytes, int maxEntries, int maxEntryTokens, long maxTokens,
                         int maxStringLength, int maxRank, int maxNesting, int maxElements,
                         long maxConstantElements, long maxValueElements) {

    public ReadLimits {
        if (maxDocumentBytes < 1 || maxEntries < 1 || maxEntryTokens < 1 || maxTokens < 1 || maxStringLength < 1
                || maxRank < 0 || maxNesting < 0 || maxElements < 1 || maxConstantElements < 0 || maxValueElements < 0) {
            throw new NablaException("read limits: every limit must be positive, got " + this);
        }
    }

    /**
     * 4 GiB files, 2M entries, 1M values per entry, 64M tokens, 64K-character names, rank 32,
     * bodies nested 64 deep, 2^31 - 1 elements per tensor, 16M constant elements (128 MB) and 256M
     * parameter elements.
     */
    public static ReadLimits defaults() {
        return new ReadLimits(1L << 32, 1 << 21, 1 << 20, 1L << 26, 1 << 16, 32, 64, Integer.MAX_VALUE, 1L << 24,
                1L << 28);
    }

    public ReadLimits withMaxDocumentBytes(long bytes) {
        return new ReadLimits(bytes, maxEntries, maxEntryTokens, maxTokens, maxStringLength, maxRank, maxNesting,
                maxElements, maxConstantElements, maxValueElements);
    }

    public ReadLimits withMaxEntries(int entries) {
        return new ReadLimits(maxDocumentBytes, entries, maxEntryTokens, maxTokens, maxStringLength, maxRank,
                maxNesting, maxElements, maxConstantElements, maxValueElements);
    }

    public ReadLimits withMaxValueElements(long elements) {
        return new ReadLimits(maxDocumentBytes, maxEntries, maxEntryTokens, maxTokens, maxStringLength, maxRank,
                maxNesting, maxElements, maxConstantElements, elements);
    }
}
