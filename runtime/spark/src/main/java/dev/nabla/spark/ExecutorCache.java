package dev.nabla.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What an executor JVM keeps between tasks: the compiled model of each trainer or scorer, by its
 * id, built by the first task that needs it. The latest few are kept; an older one is dropped and
 * collected once no task uses it (it holds only heap memory).
 */
final class ExecutorCache {
    private static final int KEPT = 8;
    private static final Map<String, Object> ENTRIES = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
            return size() > KEPT;
        }
    };

    private ExecutorCache() {}

    /** The entry for {@code id}, made by {@code make} if this JVM has none. */
    static <T> T get(String id, Class<T> type, Supplier<T> make) {
        synchronized (ENTRIES) {
            Object known = ENTRIES.get(id);
            if (known == null) {
                known = make.get();
                ENTRIES.put(id, known);
            }
            return type.cast(known);
        }
    }
}
