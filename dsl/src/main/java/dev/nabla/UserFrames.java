package dev.nabla;

import java.util.Set;

/** The line of the user's code that is building a node: the first stack frame outside Nabla. */
final class UserFrames {
    private static final StackWalker WALKER = StackWalker.getInstance();

    /** The public classes of this package: user code lives beside them (tests, examples). */
    private static final Set<String> LIBRARY = Set.of(Graph.class.getName(), Tensor.class.getName(),
            Nabla.class.getName(), CompiledGraph.class.getName(), ScalarFunction.class.getName(),
            GraphOptions.class.getName(), CustomFunction.class.getName(), UserFrames.class.getName());

    private UserFrames() {}

    static String firstOutsideNabla() {
        return WALKER.walk(frames -> frames.filter(f -> !isLibrary(f.getClassName())).findFirst()
                .map(UserFrames::describe).orElse(null));
    }

    /** As a stack trace prints a frame, without the module (an IDE links it either way). */
    private static String describe(StackWalker.StackFrame f) {
        String file = f.getFileName() == null ? "Unknown Source"
                : f.getLineNumber() >= 0 ? f.getFileName() + ":" + f.getLineNumber() : f.getFileName();
        return f.getClassName() + "." + f.getMethodName() + "(" + file + ")";
    }

    private static boolean isLibrary(String className) {
        int nested = className.indexOf('$');
        String top = nested < 0 ? className : className.substring(0, nested);
        return LIBRARY.contains(top) || top.startsWith("dev.nabla.compiler.") || top.startsWith("dev.nabla.core.")
                || top.startsWith("dev.nabla.runtime.")
                || top.startsWith("dev.nabla.optim.") || top.startsWith("java.") || top.startsWith("jdk.");
    }
}
