package dev.nabla.runtime.jvm;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.StructuralKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Compiled code by program structure, bounded: the least recently used entry goes when the cache
 * is full, and with it the last reference to its hidden class, which the JVM can then unload.
 */
final class CodeCache<K, T> {
    private final Function<K, T> compiler;
    private final Map<Object, T> entries;

    /** Code for whole programs, keyed by their structure. */
    static <T> CodeCache<Program, T> byStructure(int capacity, Function<Program, T> compiler) {
        return new CodeCache<>(capacity, compiler, StructuralKey::of);
    }

    private final Function<K, Object> keyOf;

    CodeCache(int capacity, Function<K, T> compiler, Function<K, Object> keyOf) {
        this.keyOf = keyOf;
        this.compiler = compiler;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Object, T> eldest) {
                return size() > capacity;
            }
        };
    }

    T get(K source) {
        Object key = keyOf.apply(source);
        synchronized (entries) {
            T cached = entries.get(key);
            if (cached != null) {
                return cached;
            }
        }
        T compiled = compiler.apply(source);
        synchronized (entries) {
            entries.putIfAbsent(key, compiled);
        }
        return compiled;
    }
}
