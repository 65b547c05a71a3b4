package dev.nabla.core.spi;

import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;

/**
 * What the core types ask of the runtime: which devices are present and how a value gets onto
 * one. The runtime module provides the implementation as a service, so that {@link Device} and
 * {@link NDArray} live beside the compiler (which knows no backend) and users import them from
 * one package.
 */
public interface DeviceDirectory {
    /** Every device of every backend, most preferred first. */
    List<Device> devices();

    /** The most preferred device whose values are Java arrays. */
    Device host();

    /** A GPU first, then another accelerator, else the host. */
    Device best();

    /** The device printed as {@code printed}; a DeviceException listing the present ones if none. */
    Device device(String printed);

    /** {@code array}'s values copied into {@code device}'s own memory. */
    DeviceArray upload(NDArray array, Device device);

    /** Why a backend did not load or offers no device, one line each. */
    List<String> problems();
}
