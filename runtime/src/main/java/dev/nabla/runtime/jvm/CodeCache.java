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
final class CodeCache<T> {
    private final Function<Program, T> compiler;
    private final Map<StructuralKey, T> entries;

    CodeCache(int capacity, Function<Program, T> compiler) {
        this.compiler = compiler;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<StructuralKey, T> eldest) {
                return size() > capacity;
            }
        };
    }

    T get(Program program) {
        StructuralKey key = StructuralKey.of(program);
        synchronized (entries) {
            T cached = entries.get(key);
            if (cached != null) {
                return cached;
            }
        }
        T compiled = compiler.apply(program);
        synchronized (entries) {
            entries.putIfAbsent(key, compiled);
        }
        return compiled;
    }

    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
