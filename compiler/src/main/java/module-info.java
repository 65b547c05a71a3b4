/**
 * Nabla's compiler and the vocabulary every layer shares.
 *
 * <p>{@code dev.nabla.core} is public: the element types, shapes, arrays, devices and exceptions
 * users name. The IR, the differentiation rules, the passes and the lowering are Nabla's own,
 * exported only to the runtime and the DSL.
 */
module dev.nabla.compiler {
    requires tools.jackson.databind;

    exports dev.nabla.core;
    // The DSL's tests add a backend of their own.
    exports dev.nabla.core.spi to dev.nabla.runtime, dev.nabla;

    exports dev.nabla.compiler to dev.nabla.runtime, dev.nabla;
    exports dev.nabla.compiler.autodiff to dev.nabla.runtime, dev.nabla;
    exports dev.nabla.compiler.io to dev.nabla.runtime, dev.nabla;
    exports dev.nabla.compiler.ir to dev.nabla.runtime, dev.nabla;
    exports dev.nabla.compiler.lower to dev.nabla.runtime, dev.nabla;
    exports dev.nabla.compiler.passes to dev.nabla.runtime, dev.nabla;
    exports dev.nabla.compiler.random to dev.nabla.runtime, dev.nabla;
    exports dev.nabla.compiler.text to dev.nabla.runtime, dev.nabla;

    uses dev.nabla.core.spi.DeviceDirectory;
}
