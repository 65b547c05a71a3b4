import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which of a TornadoVM SDK's jars, and which JDK modules, a TornadoVM program loads: for
 * bench/gpu/make-kit.sh. Reads the SDK's tornado-argfile and starts from the modules it names in
 * --add-modules (TornadoVM's runtime and its backends, whatever backends the SDK was built with),
 * then follows what each module requires and the providers of the services each uses, among the
 * modules of the argfile's --upgrade-module-path and --module-path (first found wins, as for the
 * java launcher). ALL-SYSTEM in the argfile also makes every module of the upgrade path a root,
 * and any automatic module pulls in all the others; neither is followed here, since no module the
 * runtime reads is reached only that way (the run itself is the test: bench/gpu/run-kit.sh).
 *
 * Prints "jar PATH" for each jar to keep, "jdk MODULE" for each JDK module required, and
 * "drop PATH" for each jar of those folders that is not reached.
 *
 * Run: java bench/gpu/SdkModules.java $TORNADOVM_HOME/tornado-argfile
 */
public class SdkModules {
    public static void main(String[] args) throws Exception {
        List<String> tokens = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            line = line.strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                tokens.addAll(List.of(line.split("\\s+")));
            }
        }
        List<Path> upgrade = new ArrayList<>();
        List<Path> modules = new ArrayList<>();
        Set<String> roots = new TreeSet<>();
        for (int i = 0; i + 1 < tokens.size(); i++) {
            String t = tokens.get(i);
            String next = tokens.get(i + 1);
            if (t.equals("--upgrade-module-path") || t.equals("--module-path") || t.equals("-p")) {
                for (String p : next.split(":")) {
                    if (!p.equals(".") && Files.isDirectory(Path.of(p))) {
                        (t.equals("--upgrade-module-path") ? upgrade : modules).add(Path.of(p));
                    }
                }
            } else if (t.equals("--add-modules")) {
                for (String m : next.split(",")) {
                    if (!m.startsWith("ALL-")) {
                        roots.add(m);
                    }
                }
            }
        }
        // The launcher searches the upgrade path before the module path.
        List<Path> dirs = new ArrayList<>(upgrade);
        dirs.addAll(modules);
        ModuleFinder sdk = ModuleFinder.of(dirs.toArray(Path[]::new));
        ModuleFinder jdk = ModuleFinder.ofSystem();
        Set<String> kept = new TreeSet<>();
        Set<String> jdkModules = new TreeSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (kept.contains(name) || jdkModules.contains(name)) {
                continue;
            }
            ModuleReference ref = sdk.find(name).orElse(null);
            if (ref == null) {
                if (jdk.find(name).isEmpty()) {
                    throw new IllegalStateException("module " + name + " is neither in the SDK nor in this JDK");
                }
                jdkModules.add(name);
                continue;
            }
            kept.add(name);
            ModuleDescriptor d = ref.descriptor();
            for (ModuleDescriptor.Requires r : d.requires()) {
                if (!r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)) {
                    todo.push(r.name());
                }
            }
            for (String service : d.uses()) {
                for (ModuleReference other : sdk.findAll()) {
                    if (other.descriptor().provides().stream().anyMatch(p -> p.service().equals(service))) {
                        todo.push(other.descriptor().name());
                    }
                }
            }
        }
        Set<Path> keptJars = new TreeSet<>();
        for (String name : kept) {
            keptJars.add(Path.of(sdk.find(name).orElseThrow().location().orElseThrow()));
        }
        keptJars.forEach(p -> System.out.println("jar " + p));
        jdkModules.forEach(m -> System.out.println("jdk " + m));
        for (Path dir : dirs) {
            try (var files = Files.list(dir)) {
                files.filter(f -> f.toString().endsWith(".jar") && !keptJars.contains(f)).sorted()
                        .forEach(f -> System.out.println("drop " + f));
            }
        }
    }
}
