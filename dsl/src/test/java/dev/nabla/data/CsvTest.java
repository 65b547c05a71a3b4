package dev.nabla.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.FormatException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV into datasets: column choice by index or name, dtypes, scales, gzip, and errors that say where. */
class CsvTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return TestFiles.write(dir, name, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void digitsStyleRowsBecomeScaledFeaturesAndIntegerLabels() throws IOException {
        Path file = write("digits.csv.gz", "0,16,8,3\n4,2,12,7\n\n16,0,1,0\n");
        Dataset d = Csv.reader().label(3).scale(1 / 16.0).read(file);
        assertThat(d.names()).containsExactly("features", "label");
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.column("features").dtype()).isEqualTo(DType.F32);
        assertThat(d.column("features").shape()).isEqualTo(Shape.of(3, 3));
        assertThat(d.column("features").toFloatArray())
                .containsExactly(0f, 1f, 0.5f, 0.25f, 0.125f, 0.75f, 1f, 0f, 0.0625f);
        assertThat(d.column("label").dtype()).isEqualTo(DType.I32);
        assertThat(d.column("label").toDoubleArray()).containsExactly(3, 7, 0);
        // The same text uncompressed, read from a stream, gives the same dataset.
        var plain = new ByteArrayInputStream("0,16,8,3\n4,2,12,7\n16,0,1,0\n".getBytes(StandardCharsets.UTF_8));
        Dataset fromStream = Csv.reader().label(3).scale(1 / 16.0).read(plain, "digits");
        assertThat(fromStream.column(0)).isEqualTo(d.column(0));
        assertThat(fromStream.column(1)).isEqualTo(d.column(1));
    }

    @Test
    void aHeaderNamesColumnsForFeaturesLabelsAndPerColumnScales() throws IOException {
        Path file = write("iris.csv", "\uFEFFsepal, petal ,\"name, quoted\",species\n"
                + "5.1,1.4,\"a,b\",0\n" + "6.2,4.5,x,1\n");
        Dataset d = Csv.reader().header(true).features("petal", "sepal").label("species").dtype(DType.F64)
                .scale("sepal", 10).read(file);
        assertThat(d.column("features").dtype()).isEqualTo(DType.F64);
        assertThat(d.column("features").toDoubleArray()).containsExactly(1.4, 51.0, 4.5, 62.0);
        assertThat(d.column("label").toDoubleArray()).containsExactly(0, 1);
        // Per-column scales override the common one; features by index and a float label.
        Dataset e = Csv.reader().header(true).features(0, 1).label(3).labelDtype(DType.F32).scale(2).scale(1, 0.5)
                .read(file);
        assertThat(e.column("features").toFloatArray()).containsExactly(10.2f, 0.7f, 12.4f, 2.25f);
        assertThat(e.column("label").dtype()).isEqualTo(DType.F32);
        Dataset noLabel = Csv.reader().header(true).featureRange(0, 2).read(file);
        assertThat(noLabel.names()).containsExactly("features");
        assertThat(noLabel.column(0).shape()).isEqualTo(Shape.of(2, 2));
    }

    @Test
    void aFieldThatIsNotANumberNamesTheLineAndTheColumn() throws IOException {
        Path file = write("bad.csv", "a,b,label\n1,2,0\n3,x4,1\n");
        assertThatThrownBy(() -> Csv.reader().header(true).label("label").read(file))
                .isInstanceOf(FormatException.class)
                .hasMessage("Csv.read: " + file + " line 3, column 1 ('b'): 'x4' is not a number");
        Path labels = write("labels.csv", "1,2,0\n3,4,1.5\n");
        assertThatThrownBy(() -> Csv.reader().label(2).read(labels)).isInstanceOf(FormatException.class)
                .hasMessageContaining("line 2, column 2: '1.5' is not an integer (for an i32 label)");
        Path empty = write("empty.csv", "1,,0\n");
        assertThatThrownBy(() -> Csv.reader().read(empty)).hasMessageContaining("line 1, column 1: '' is not a number");
        Path suffix = write("suffix.csv", "1f,2\n");
        assertThatThrownBy(() -> Csv.reader().read(suffix)).hasMessageContaining("'1f' is not a number");
    }

    @Test
    void aRaggedRowNamesItsLineAndTheExpectedWidth() throws IOException {
        Path file = write("ragged.csv.gz", "1,2,3\n4,5,6\n7,8\n");
        assertThatThrownBy(() -> Csv.reader().label(2).read(file)).isInstanceOf(FormatException.class)
                .hasMessage("Csv.read: " + file + " line 3 has 2 fields, but the first row has 3 (a ragged row)");
        Path headed = write("headed.csv", "a,b\n1,2,3\n");
        assertThatThrownBy(() -> Csv.reader().header(true).read(headed))
                .hasMessageContaining("line 2 has 3 fields, but the header has 2");
    }

    @Test
    void columnChoicesThatCannotBeMetAreRefusedWithTheHeaderOrWidth() throws IOException {
        Path file = write("h.csv", "a,b,c\n1,2,3\n");
        Path plain = write("p.csv", "1,2,3\n");
        assertThatThrownBy(() -> Csv.reader().header(true).label("d").read(file)).isInstanceOf(FormatException.class)
                .hasMessageContaining("has no column 'd' (the label column); its header is [a, b, c]");
        assertThatThrownBy(() -> Csv.reader().label("c").read(plain))
                .hasMessageContaining("is named, but " + plain + " is read without a header");
        assertThatThrownBy(() -> Csv.reader().label(3).read(plain))
                .hasMessageContaining("the label column 3 is outside " + plain + "'s 3 columns (0 to 2)");
        assertThatThrownBy(() -> Csv.reader().features(0, 2).label(2).read(plain))
                .hasMessageContaining("column 2 of " + plain + " is both the label and a feature");
        assertThatThrownBy(() -> Csv.reader().features(0, 0).read(plain)).hasMessageContaining("chosen twice");
        assertThatThrownBy(() -> Csv.reader().features(0).scale(1, 2.0).read(plain))
                .hasMessageContaining("a scale is set for column 1").hasMessageContaining("not a feature column");
        assertThatThrownBy(() -> Csv.reader().label(0).read(write("one.csv", "1\n2\n")))
                .hasMessageContaining("no feature columns");
        assertThatThrownBy(() -> Csv.reader().read(write("nothing.csv", ""))).hasMessageContaining("has no records");
    }

    @Test
    void malformedCsvAndBadSettingsAreRefused() throws IOException {
        Path quote = write("quote.csv", "1,2\n3,\"4\n");
        assertThatThrownBy(() -> Csv.reader().read(quote)).isInstanceOf(FormatException.class)
                .hasMessageContaining(quote + " is not valid CSV").hasMessageContaining("EOF reached");
        // A corrupt gzip stream is a malformed file; a missing file is an I/O failure.
        byte[] zipped = Files.readAllBytes(write("whole.csv.gz", "1,2\n".repeat(500)));
        Path cut = dir.resolve("cut.csv.gz");
        Files.write(cut, Arrays.copyOf(zipped, zipped.length - 12));
        assertThatThrownBy(() -> Csv.reader().read(cut)).isInstanceOf(FormatException.class)
                .hasMessageContaining("Csv.read: " + cut + " is a truncated or corrupt gzip stream")
                .hasCauseInstanceOf(IOException.class);
        assertThatThrownBy(() -> Csv.reader().read(dir.resolve("missing.csv"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("missing.csv");
        assertThatThrownBy(() -> Csv.reader().dtype(DType.I32)).isInstanceOf(DTypeException.class);
        assertThatThrownBy(() -> Csv.reader().labelDtype(DType.BOOL)).isInstanceOf(DTypeException.class);
        assertThatThrownBy(() -> Csv.reader().scale(Double.NaN)).isInstanceOf(NablaException.class);
        assertThatThrownBy(() -> Csv.reader().label(-1)).hasMessageContaining("indices start at 0");
        assertThatThrownBy(() -> Csv.reader().features(new int[0])).hasMessageContaining("at least one column");
        assertThatThrownBy(() -> Csv.reader().features((String[]) null)).isInstanceOf(NablaException.class);
        assertThatThrownBy(() -> Csv.reader().read((Path) null)).isInstanceOf(NablaException.class);
    }

    @Test
    void otherDelimitersAndAHeaderOnlyFileWork() throws IOException {
        Dataset d = Csv.reader().delimiter(';').label(0).read(write("semi.csv", "1;2.5;-3e2\n0;1;2\n"));
        assertThat(d.column("features").toFloatArray()).containsExactly(2.5f, -300f, 1f, 2f);
        Dataset empty = Csv.reader().header(true).label("y").read(write("head.csv", "x1,x2,y\n"));
        assertThat(empty.size()).isZero();
        assertThat(empty.column("features").shape()).isEqualTo(Shape.of(0, 2));
    }
}
