package dev.nabla;

import java.io.File;

/** What a test needs to start another JVM on the classes it runs with. */
public final class ChildJvm {
    private ChildJvm() {}

    /**
     * A class path holding everything this JVM loaded its classes from: its class path and, when
     * the tests run on the module path, that too (Nabla runs on either; the child uses the class path).
     */
    public static String classPath() {
        String modules = System.getProperty("jdk.module.path");
        String classes = System.getProperty("java.class.path");
        return modules == null || modules.isEmpty() ? classes : classes + File.pathSeparator + modules;
    }
}
