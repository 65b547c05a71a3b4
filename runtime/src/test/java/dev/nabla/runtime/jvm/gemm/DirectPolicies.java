package dev.nabla.runtime.jvm.gemm;

import java.util.List;

/** For tests outside this package: runs a body with the direct convolutions' policy set, by name. */
public final class DirectPolicies {
    private DirectPolicies() {}

    /** COSTED, ALWAYS, NEVER. */
    public static List<String> names() {
        return java.util.Arrays.stream(DirectConvolution.Policy.values()).map(Enum::name).toList();
    }

    public static void with(String policy, Runnable body) {
        DirectConvolution.policy = DirectConvolution.Policy.valueOf(policy);
        try {
            body.run();
        } finally {
            DirectConvolution.policy = DirectConvolution.Policy.COSTED;
        }
    }
}
