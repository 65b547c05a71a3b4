/** The tutorial's examples: plain users of Nabla's public API (module {@code dev.nabla}). */
module dev.nabla.examples {
    requires dev.nabla;
    // XChart (an automatic module) draws the plots with AWT.
    requires org.knowm.xchart;
    requires java.desktop;
}
