package dev.nabla.core;

import dev.nabla.core.NablaException.IndexException;
import dev.nabla.core.spi.DeviceArray;
import dev.nabla.core.NablaException.ShapeException;
import java.util.Arrays;

/**
 * An immutable dense array: a dtype, a shape and row-major values. f32 values are stored as
 * floats, f64 as doubles, masks and indices as doubles holding 0/1 or whole numbers.
 *
 * <p>An array lives on a {@link #device()}: the host (Java arrays) unless {@link #to(Device)}
 * placed it on a device with memory of its own, or a program on that device computed it. Reading
 * the values of an array on such a device copies them to the host once, on the first read.
 */
public final class NDArray {
    private final DType dtype;
    private final Shape shape;
    /** The values on the host; null for an array on a device. */
    private final float[] floats;
    private final double[] doubles;
    /** The values in a device's memory; null for a host array. */
    private final DeviceArray onDevice;
    /** For an array on a device: its values copied to the host, on the first read. */
    private volatile NDArray fetched;

    private NDArray(DType dtype, Shape shape, float[] floats, double[] doubles) {
        this(dtype, shape, floats, doubles, null);
    }

    private NDArray(DType dtype, Shape shape, float[] floats, double[] doubles, DeviceArray onDevice) {
        this.dtype = dtype;
        this.shape = shape;
        this.floats = floats;
        this.doubles = doubles;
        this.onDevice = onDevice;
    }

    /**
     * {@return an f32 scalar}
     *
     * @param value its value
     */
    public static NDArray scalar(float value) {
        return new NDArray(DType.F32, Shape.SCALAR, new float[] {value}, null);
    }

    /**
     * {@return an f64 scalar}
     *
     * @param value its value
     */
    public static NDArray scalar(double value) {
        return new NDArray(DType.F64, Shape.SCALAR, null, new double[] {value});
    }

    /**
     * {@return an f32 array of these values (copied) in this shape}
     *
     * @param values the elements in row-major order
     * @param dims   the shape; none for a scalar
     * @throws NablaException.ShapeException if the values do not fill the shape exactly
     */
    public static NDArray of(float[] values, int... dims) {
        return new NDArray(DType.F32, checked(values.length, dims), values.clone(), null);
    }

    /**
     * {@return an f64 array of these values (copied) in this shape}
     *
     * @param values the elements in row-major order
     * @param dims   the shape; none for a scalar
     * @throws NablaException.ShapeException if the values do not fill the shape exactly
     */
    public static NDArray of(double[] values, int... dims) {
        return new NDArray(DType.F64, checked(values.length, dims), null, values.clone());
    }

    /**
     * {@return an array of any dtype from one double per element, each rounded to {@code dtype}}
     *
     * @param dtype  the element type
     * @param shape  the shape
     * @param values the elements in row-major order (copied)
     * @throws NablaException.ShapeException if the values do not fill the shape exactly
     */
    public static NDArray fromDoubles(DType dtype, Shape shape, double[] values) {
        checked(values.length, shape.dims());
        if (dtype == DType.F32) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return new NDArray(dtype, shape, f, null);
        }
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = dtype.round(values[i]);
        }
        return new NDArray(dtype, shape, null, d);
    }

    /**
     * For backends: wraps an array without copying (float[] for f32, double[] otherwise). The
     * caller hands the array over and must not change it afterwards.
     *
     * @param dtype   the element type
     * @param shape   the shape
     * @param storage a float[] for f32, else a double[], of exactly {@code shape.size()} elements
     * @return the array over {@code storage}
     * @throws IllegalArgumentException if the storage's type or length does not match
     */
    public static NDArray wrap(DType dtype, Shape shape, Object storage) {
        if (storage instanceof float[] f && dtype == DType.F32 && f.length == shape.size()) {
            return new NDArray(dtype, shape, f, null);
        }
        if (storage instanceof double[] d && dtype != DType.F32 && d.length == shape.size()) {
            return new NDArray(dtype, shape, null, d);
        }
        throw new IllegalArgumentException("NDArray.wrap: storage does not match " + dtype + shape);
    }

    /**
     * For backends: an array whose values are in a device's memory.
     *
     * @param dtype  the element type
     * @param shape  the shape
     * @param values the values, owned by that device's backend
     * @return the array on {@code values}' device
     */
    public static NDArray onDevice(DType dtype, Shape shape, DeviceArray values) {
        return new NDArray(dtype, shape, null, null, values);
    }

    /** {@return an independent host copy with the same dtype, shape and values} */
    public NDArray copy() {
        NDArray h = host();
        return new NDArray(dtype, shape, h.floats != null ? h.floats.clone() : null, h.doubles != null ? h.doubles.clone() : null);
    }

    /**
     * For backends: the host array behind this value, copied from the device first if needed.
     *
     * @return a float[] for f32, else a double[]; not a copy, so read only
     */
    public Object storage() {
        NDArray h = host();
        return h.floats != null ? h.floats : h.doubles;
    }

    /** {@return where the values live: {@link Device#cpu()} for Java arrays, else the device that holds them} */
    public Device device() {
        return onDevice != null ? onDevice.device() : Device.cpu();
    }

    /** {@return for backends: the values in a device's memory, or null for a host array} */
    public DeviceArray deviceArray() {
        return onDevice;
    }

    /**
     * This array on {@code device}: itself when already there (any host-memory device shares Java
     * arrays), else a copy in that device's memory, or on the host the values read from the
     * device (read once per array, then shared: arrays are immutable).
     *
     * @param device where the values should live
     * @return this array or a copy on {@code device}
     */
    public NDArray to(Device device) {
        if (device.hostMemory()) {
            return host();
        }
        if (onDevice != null && onDevice.device().equals(device)) {
            return this;
        }
        return new NDArray(dtype, shape, null, null, InstalledRuntime.directory().upload(this, device));
    }

    /** {@return this array in Java memory: {@code to(Device.cpu())}} */
    public NDArray cpu() {
        return host();
    }

    /** This array if on the host, else its values copied from the device (once, on the first read). */
    private NDArray host() {
        return onDevice == null ? this : fetch();
    }

    private NDArray fetch() {
        NDArray f = fetched;
        if (f == null) {
            synchronized (this) {
                f = fetched;
                if (f == null) {
                    Object values = dtype == DType.F32 ? new float[shape.size()] : new double[shape.size()];
                    onDevice.copyTo(values);
                    f = wrap(dtype, shape, values);
                    fetched = f;
                }
            }
        }
        return f;
    }

    /**
     * {@return an array with every element equal to {@code value}, rounded to {@code dtype}}
     *
     * @param dtype the element type
     * @param shape the shape
     * @param value the value of every element
     */
    public static NDArray full(DType dtype, Shape shape, double value) {
        double[] values = new double[shape.size()];
        Arrays.fill(values, value);
        return fromDoubles(dtype, shape, values);
    }

    private static Shape checked(int length, int[] dims) {
        Shape shape = new Shape(dims);
        if (shape.size() != length) {
            throw new ShapeException("NDArray: " + length + " values do not fill shape " + shape + " ("
                    + shape.size() + " elements)");
        }
        return shape;
    }

    /** {@return the element type} */
    public DType dtype() {
        return dtype;
    }

    /** {@return the shape} */
    public Shape shape() {
        return shape;
    }

    /** {@return the number of elements} */
    public int size() {
        return shape.size();
    }

    /**
     * {@return the element at a row-major index}
     *
     * @param flatIndex the index, in [0, size())
     * @throws NablaException.IndexException if the index is out of bounds
     */
    public double getDouble(int flatIndex) {
        checkIndex("getDouble", flatIndex);
        NDArray h = host();
        return h.floats != null ? h.floats[flatIndex] : h.doubles[flatIndex];
    }

    /**
     * {@return the element at a row-major index as a float (f64 values rounded)}
     *
     * @param flatIndex the index, in [0, size())
     * @throws NablaException.IndexException if the index is out of bounds
     */
    public float getFloat(int flatIndex) {
        checkIndex("getFloat", flatIndex);
        NDArray h = host();
        return h.floats != null ? h.floats[flatIndex] : (float) h.doubles[flatIndex];
    }

    private void checkIndex(String op, int flatIndex) {
        int size = shape.size();
        if (flatIndex < 0 || flatIndex >= size) {
            throw new IndexException(op + ": index " + flatIndex + " is out of bounds for an array of " + size
                    + (size == 1 ? " element" : " elements") + " (" + dtype + ", shape " + shape + "); "
                    + (size == 0 ? "it has no elements" : "valid indices are 0 to " + (size - 1) + ", row-major"));
        }
    }

    /** {@return a copy of the values as doubles, in row-major order} */
    public double[] toDoubleArray() {
        NDArray h = host();
        if (h.doubles != null) {
            return h.doubles.clone();
        }
        double[] d = new double[h.floats.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = h.floats[i];
        }
        return d;
    }

    /** {@return a copy of the values as floats (f64 values rounded), in row-major order} */
    public float[] toFloatArray() {
        NDArray h = host();
        if (h.floats != null) {
            return h.floats.clone();
        }
        float[] f = new float[h.doubles.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) h.doubles[i];
        }
        return f;
    }

    /**
     * {@return the single value of a one-element array}
     *
     * @throws NablaException.ShapeException if the array has more or fewer than one element
     */
    public double item() {
        if (size() != 1) {
            throw new ShapeException("item: needs a one-element array, this one has shape " + shape);
        }
        return getDouble(0);
    }

    /** {@return whether every value is finite (no NaN, no infinity)} */
    public boolean isFinite() {
        for (int i = 0; i < size(); i++) {
            if (!Double.isFinite(getDouble(i))) {
                return false;
            }
        }
        return true;
    }

    /** Arrays of more elements than this are summarized by {@link #toString()}, as NumPy does. */
    static final int SUMMARY_THRESHOLD = 1000;
    /** Elements shown at each end of a summarized axis. */
    static final int EDGE_ITEMS = 3;

    /**
     * Values printed as Java prints a float or double, nested like the shape: [[1.0, 2.0], [3.0, 4.0]].
     * Above {@value #SUMMARY_THRESHOLD} elements, as NumPy's default print options do, each axis
     * longer than {@code 2 * }{@value #EDGE_ITEMS} shows its first and last {@value #EDGE_ITEMS}
     * entries around {@code ...}: [0.0, 1.0, 2.0, ..., 9997.0, 9998.0, 9999.0]. An array without
     * elements prints as [] whatever its shape (as NumPy prints one): nesting [100000,100000,0]
     * would be 10^10 pairs of brackets.
     */
    @Override
    public String toString() {
        if (onDevice != null) {
            return host().toString();
        }
        if (size() == 0) {
            return "[]";
        }
        StringBuilder sb = new StringBuilder();
        append(sb, 0, 0, shape.size() > SUMMARY_THRESHOLD);
        return sb.toString();
    }

    /** Appends the block of {@code axis} that starts at flat index {@code offset}. */
    private void append(StringBuilder sb, int axis, int offset, boolean summarize) {
        if (axis == shape.rank()) {
            sb.append(format(offset));
            return;
        }
        int stride = shape.strides()[axis];
        int dim = shape.dim(axis);
        boolean cut = summarize && dim > 2 * EDGE_ITEMS;
        sb.append('[');
        for (int i = 0; i < dim; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            if (cut && i == EDGE_ITEMS) {
                sb.append("..., ");
                i = dim - EDGE_ITEMS;
            }
            append(sb, axis + 1, offset + i * stride, summarize);
        }
        sb.append(']');
    }

    private String format(int i) {
        return switch (dtype) {
            case F32 -> Float.toString(floats[i]);
            case F64 -> Double.toString(doubles[i]);
            case I32 -> Long.toString((long) doubles[i]);
            case BOOL -> doubles[i] != 0 ? "true" : "false";
        };
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof NDArray other)) {
            return false;
        }
        NDArray a = other.host();
        NDArray h = host();
        return a.dtype == dtype && a.shape.equals(shape)
                && Arrays.equals(a.floats, h.floats) && Arrays.equals(a.doubles, h.doubles);
    }

    @Override
    public int hashCode() {
        NDArray h = host();
        return 31 * shape.hashCode() + (h.floats != null ? Arrays.hashCode(h.floats) : Arrays.hashCode(h.doubles));
    }
}
