package dev.nabla;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/** Counters of what {@link RobustnessFuzzTest} did, summed over all its tries. */
final class FuzzStats {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> exceptions = new ConcurrentHashMap<>();

    void add(String what, long n) {
        counts.computeIfAbsent(what, k -> new LongAdder()).add(n);
    }

    void count(String what) {
        add(what, 1);
    }

    long get(String what) {
        LongAdder a = counts.get(what);
        return a == null ? 0 : a.sum();
    }

    void exception(Throwable e) {
        exceptions.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
    }

    /** One line: the counters in a fixed order, then the NablaExceptions by type. */
    String summary(double seconds) {
        String thrown = new TreeMap<>(exceptions).entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().sum()).collect(Collectors.joining(", "));
        return String.format(java.util.Locale.ROOT,
                "RobustnessFuzzTest: %d tries in %.1f s, %d graphs built (%d actions: %d built a tensor), %d calls"
                        + " on each backend (%d compared as values [eval %d, evalInto %d, run %d, step %d, SGD update"
                        + " %d, function %d, parameter %d]: %d elements exact, %d within tolerance, %d unstable"
                        + " not compared, %d unsettled by rounding; %d as NablaExceptions of one type, %d of two types, %d"
                        + " anomaly on one backend only; largest tensor <1K %d, <32K %d, >=32K %d), %d skipped as"
                        + " too costly, %d outcomes predicted; NablaExceptions: %s",
                get("tries"), seconds, get("graphs"), get("actions"), get("tensors"), get("calls"), get("compared"),
                get("compared eval"), get("compared evalInto"), get("compared run"), get("compared step"),
                get("compared sgd update"),
                get("compared function"), get("compared parameter"),
                get("elements exact"), get("elements approximate"), get("elements unstable"),
                get("elements unsettled"), get("both threw"), get("threw different types"),
                get("anomaly on one side"), get("largest <1K"), get("largest <32K"), get("largest >=32K"),
                get("skipped"), get("predicted"), thrown);
    }
}
