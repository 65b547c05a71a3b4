package dev.nabla.runtime.jvm;

/** One lowered step, prepared once and run on every call with that call's buffers. */
interface StepRunner {
    void run(Object[] buffers);
}
