package dev.nabla.spark;

import dev.nabla.runtime.NDArray;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's parameters as the driver broadcasts them, by PyTorch's names: one version per
 * training step, so an executor loads them once per step whatever the number of its tasks.
 */
record Weights(long version, List<String> names, List<HostArray> values) implements Serializable {
    static Weights of(long version, Map<String, NDArray> state) {
        return new Weights(version, List.copyOf(state.keySet()), state.values().stream().map(HostArray::of).toList());
    }

    Map<String, NDArray> toMap() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), values.get(i).toNDArray());
        }
        return out;
    }
}
