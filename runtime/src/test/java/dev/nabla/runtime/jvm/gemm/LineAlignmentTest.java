package dev.nabla.runtime.jvm.gemm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Packed panels of B start on a cache line where the JVM lets that be known, and always have room.
 * What LineAlignment concludes depends on the JVM's collector, heap (G1's region size grows with
 * it: a 64 GiB machine's default heap has regions over the cap) and object headers, so those
 * checks run in child JVMs with fixed options and hold on every machine.
 */
class LineAlignmentTest {
    @Test
    void firstIndexOnALineFollowsTheArrayHeader() {
        // 16-byte header (compressed class pointers): 48 bytes to the next line.
        assertThat(LineAlignment.firstAlignedIndex(16, Float.BYTES)).isEqualTo(12);
        assertThat(LineAlignment.firstAlignedIndex(16, Double.BYTES)).isEqualTo(6);
        // 12-byte compact header: floats follow it at once, doubles after 4 bytes of padding.
        assertThat(LineAlignment.firstAlignedIndex(12, Float.BYTES)).isEqualTo(13);
        assertThat(LineAlignment.firstAlignedIndex(12, Double.BYTES)).isEqualTo(6);
        // 20-byte header (uncompressed class pointers): doubles start at 24.
        assertThat(LineAlignment.firstAlignedIndex(20, Float.BYTES)).isEqualTo(11);
        assertThat(LineAlignment.firstAlignedIndex(20, Double.BYTES)).isEqualTo(5);
        assertThat(LineAlignment.firstAlignedIndex(64, Double.BYTES)).isZero();
    }

    @Test
    void arraysHoldTheAskedLengthFromTheirStart() {
        for (int length : new int[] {0, 1, 1000, 3_000_000}) {
            assertThat(LineAlignment.floats(length).length)
                    .isGreaterThanOrEqualTo(LineAlignment.floatStart() + length);
            assertThat(LineAlignment.doubles(length).length)
                    .isGreaterThanOrEqualTo(LineAlignment.doubleStart() + length);
        }
        assertThat(LineAlignment.floatStart()).isBetween(0, LineAlignment.LINE_BYTES / Float.BYTES - 1);
        assertThat(LineAlignment.doubleStart()).isBetween(0, LineAlignment.LINE_BYTES / Double.BYTES - 1);
    }

    /**
     * Prints what LineAlignment concluded from the JVM it runs in, one {@code key=value} per line,
     * for {@link #inAChildJvm}: the facts this test checks do not depend on the machine's memory.
     */
    public static final class Probe {
        public static void main(String[] args) {
            int fs = LineAlignment.floatStart();
            int ds = LineAlignment.doubleStart();
            System.out.println("floatStart=" + fs);
            System.out.println("doubleStart=" + ds);
            System.out.println("packedFloatBytes=" + (long) LineAlignment.floats(1).length * Float.BYTES);
            System.out.println("packedDoubleBytes=" + (long) LineAlignment.doubles(1).length * Double.BYTES);
            float[] largeF = new float[1 << 22];
            double[] largeD = new double[1 << 21];
            System.out.println("smallLead=" + LineAlignment.floatLead(new float[1000], 0, 16));
            System.out.println("oddRowsLead=" + LineAlignment.floatLead(largeF, 0, 2050));
            System.out.println("floatLead0=" + LineAlignment.floatLead(largeF, 0, 2048));
            System.out.println("floatLead5=" + LineAlignment.floatLead(largeF, 5, 2048));
            System.out.println("doubleLead3=" + LineAlignment.doubleLead(largeD, 3, 1024));
        }
    }

    /** Runs {@link Probe} in a JVM of this one's kind with {@code options}; returns its lines as a map. */
    private static java.util.Map<String, Integer> inAChildJvm(String... options) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(java.util.List.of(options));
        // On the class path, whether these tests run on it or on the module path.
        String modules = System.getProperty("jdk.module.path", "");
        String classPath = System.getProperty("java.class.path")
                + (modules.isEmpty() ? "" : java.io.File.pathSeparator + modules);
        command.addAll(java.util.List.of("-cp", classPath, Probe.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(child.waitFor()).as("exit status of %s; output:%n%s", command, out).isZero();
        java.util.Map<String, Integer> facts = new java.util.HashMap<>();
        for (String line : out.split("\\R")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[A-Za-z0-9]+")) {
                facts.put(line.substring(0, eq), Integer.parseInt(line.substring(eq + 1)));
            }
        }
        assertThat(facts).as("output of %s:%n%s", command, out).containsKeys("floatStart", "doubleLead3");
        return facts;
    }

    @Test
    void underG1TheStartIsKnownAndLeadsFollowFromIt() throws Exception {
        // 1 GiB heap: G1 picks 1 MiB regions; packed arrays of half a region are humongous.
        // Default headers (compressed class pointers): 16 bytes, so float 12 and double 6 start lines.
        var facts = inAChildJvm("-XX:+UseG1GC", "-Xmx1g", "-Xshare:off");
        assertThat(facts).containsEntry("floatStart", 12).containsEntry("doubleStart", 6)
                .containsEntry("packedFloatBytes", 512 << 10).containsEntry("packedDoubleBytes", 512 << 10)
                .containsEntry("smallLead", -1).containsEntry("oddRowsLead", -1)
                // C from index 0: row starts lie 12 floats before a line, so they lead by (0 - 12) mod 16.
                .containsEntry("floatLead0", 4).containsEntry("floatLead5", 9).containsEntry("doubleLead3", 5);
    }

    @Test
    void compactHeadersMoveTheStart() throws Exception {
        // 12-byte header: floats start at once (13 floats to the line), doubles after 4 bytes (6).
        var facts = inAChildJvm("-XX:+UseG1GC", "-Xmx1g", "-XX:+UseCompactObjectHeaders", "-Xshare:off");
        assertThat(facts).containsEntry("floatStart", 13).containsEntry("doubleStart", 6)
                .containsEntry("floatLead0", 3).containsEntry("floatLead5", 8).containsEntry("doubleLead3", 5);
    }

    @Test
    void regionsOverTheCapKeepIndexZeroButStillKnowLeads() throws Exception {
        // 16 MiB regions (as G1 picks for default heaps on machines of 64 GiB and more): packed arrays would have to be 8 MiB to be humongous, over MAX_BYTES, so
        // they keep their length and index 0; a caller's C over 8 MiB still starts on a region.
        var facts = inAChildJvm("-XX:+UseG1GC", "-Xmx1g", "-XX:G1HeapRegionSize=16m", "-Xshare:off");
        assertThat(facts).containsEntry("floatStart", 0).containsEntry("doubleStart", 0)
                .containsEntry("packedFloatBytes", Float.BYTES).containsEntry("packedDoubleBytes", Double.BYTES)
                .containsEntry("floatLead0", 4).containsEntry("doubleLead3", 5);
    }

    @Test
    void anotherCollectorKnowsNothing() throws Exception {
        var facts = inAChildJvm("-XX:+UseSerialGC", "-Xmx1g", "-Xshare:off");
        assertThat(facts).containsEntry("floatStart", 0).containsEntry("doubleStart", 0)
                .containsEntry("packedFloatBytes", Float.BYTES).containsEntry("packedDoubleBytes", Double.BYTES)
                .containsEntry("floatLead0", -1).containsEntry("floatLead5", -1).containsEntry("doubleLead3", -1);
    }

    @Test
    void aLeadIsGivenOnlyForALargeCWhoseRowsAllFallAlike() {
        // This JVM's own facts, whatever its heap: a small C or rows off the line grid never get a lead,
        // and a lead, when known, is C's start measured from the first index on a line.
        assertThat(LineAlignment.floatLead(new float[1000], 0, 16)).as("a small C").isEqualTo(-1);
        float[] large = new float[1 << 22];
        assertThat(LineAlignment.floatLead(large, 0, 2050)).as("rows 8200 bytes apart").isEqualTo(-1);
        int lead = LineAlignment.floatLead(large, 0, 2048);
        if (lead >= 0) {
            assertThat(LineAlignment.floatLead(large, 5, 2048)).isEqualTo((lead + 5) % 16);
            assertThat(LineAlignment.floatLead(large, 16, 2048)).as("a line further on").isEqualTo(lead);
        }
    }
}
