package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.core.DType;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleReader;
import java.lang.module.ResolvedModule;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What users can name is what they get: every public signature in the packages Nabla's modules
 * export names only exported types (or the JDK's). A type from an internal package in a public
 * signature is a method a modular user cannot call, or a type they cannot declare.
 */
class PublicApiTest {
    /** Known exceptions: members for Nabla's own modules that stay public on public types. */
    private static final Set<String> FOR_NABLA_ONLY = Set.of(
            // A Tensor wraps an IR node: the record's component, used by the DSL's own packages.
            "dev.nabla.Tensor#node", "dev.nabla.Tensor#<init>",
            // Arrays in a device's memory, made by backends.
            "dev.nabla.core.NDArray#onDevice", "dev.nabla.core.NDArray#deviceArray");

    @Test
    void publicSignaturesNameOnlyExportedTypes() throws Exception {
        Module dsl = Graph.class.getModule();
        Module core = DType.class.getModule();
        assumeTrue(dsl.isNamed() && core.isNamed(), "runs where Nabla is on the module path");
        Set<String> exported = new TreeSet<>();
        for (Module m : List.of(dsl, core)) {
            m.getDescriptor().exports().stream().filter(e -> !e.isQualified())
                    .map(ModuleDescriptor.Exports::source).forEach(exported::add);
        }
        assertThat(exported).contains("dev.nabla", "dev.nabla.core", "dev.nabla.nn", "dev.nabla.optim",
                "dev.nabla.data", "dev.nabla.io");

        List<String> leaks = new ArrayList<>();
        int checked = 0;
        for (Module m : List.of(dsl, core)) {
            for (String name : classNames(m)) {
                String pkg = name.substring(0, name.lastIndexOf('.'));
                if (!exported.contains(pkg)) {
                    continue;
                }
                Class<?> c = Class.forName(name, false, m.getClassLoader());
                if (!visible(c) || isTest(c)) {
                    continue;
                }
                checked++;
                check(c, exported, leaks);
            }
        }
        assertThat(checked).as("public types checked").isGreaterThan(50);
        assertThat(leaks).as("public signatures naming internal types").isEmpty();
    }

    private static void check(Class<?> c, Set<String> exported, List<String> leaks) {
        List<Type> supers = new ArrayList<>(List.of(c.getGenericInterfaces()));
        if (c.getGenericSuperclass() != null) {
            supers.add(c.getGenericSuperclass());
        }
        for (Type t : supers) {
            note(c.getName() + " extends", t, exported, leaks);
        }
        for (Field f : c.getDeclaredFields()) {
            if (api(f.getModifiers())) {
                note(c.getName() + "#" + f.getName(), f.getGenericType(), exported, leaks);
            }
        }
        List<Executable> members = new ArrayList<>(List.of(c.getDeclaredMethods()));
        members.addAll(List.of(c.getDeclaredConstructors()));
        for (Executable e : members) {
            if (!api(e.getModifiers()) || e.isSynthetic()) {
                continue;
            }
            String where = c.getName() + "#" + (e instanceof Constructor<?> ? "<init>" : e.getName());
            if (FOR_NABLA_ONLY.contains(where)) {
                continue;
            }
            if (e instanceof Method method) {
                note(where, method.getGenericReturnType(), exported, leaks);
            }
            for (Type p : e.getGenericParameterTypes()) {
                note(where, p, exported, leaks);
            }
            for (Type x : e.getGenericExceptionTypes()) {
                note(where, x, exported, leaks);
            }
        }
    }

    private static void note(String where, Type t, Set<String> exported, List<String> leaks) {
        switch (t) {
            case Class<?> k when k.isArray() -> note(where, k.getComponentType(), exported, leaks);
            case Class<?> k -> {
                if (!k.isPrimitive() && !allowed(k, exported)) {
                    leaks.add(where + " names " + k.getName());
                }
            }
            case ParameterizedType p -> {
                note(where, p.getRawType(), exported, leaks);
                Stream.of(p.getActualTypeArguments()).forEach(a -> note(where, a, exported, leaks));
            }
            case GenericArrayType g -> note(where, g.getGenericComponentType(), exported, leaks);
            case WildcardType w -> {
                Stream.of(w.getUpperBounds()).forEach(b -> note(where, b, exported, leaks));
                Stream.of(w.getLowerBounds()).forEach(b -> note(where, b, exported, leaks));
            }
            case TypeVariable<?> v -> { } // its bounds are checked where it is declared
            default -> leaks.add(where + " names an unknown kind of type " + t);
        }
    }

    private static boolean allowed(Class<?> k, Set<String> exported) {
        Module m = k.getModule();
        if (m.isNamed() && m.getLayer() == ModuleLayer.boot() && m.getDescriptor() != null
                && (m.getName().startsWith("java.") || m.getName().startsWith("jdk."))) {
            return m.isExported(k.getPackageName());
        }
        return exported.contains(k.getPackageName());
    }

    /** The tests' own classes, patched into the module they test. */
    private static boolean isTest(Class<?> c) {
        var source = c.getProtectionDomain().getCodeSource();
        return source != null && source.getLocation().getPath().contains("test-classes");
    }

    /** Public, or protected in a class users may extend. */
    private static boolean api(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    /** A public type whose enclosing types are public too. */
    private static boolean visible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    private static List<String> classNames(Module m) throws IOException {
        ResolvedModule resolved = m.getLayer().configuration().findModule(m.getName()).orElseThrow();
        try (ModuleReader reader = resolved.reference().open()) {
            return reader.list().filter(r -> r.endsWith(".class") && !r.endsWith("module-info.class")
                            && !r.startsWith("META-INF/"))
                    .map(r -> r.substring(0, r.length() - ".class".length()).replace('/', '.')).toList();
        }
    }
}
