// Started by: mvn -q -Pjshell -DskipTests package   (README: "One example at a time, and JShell")
import dev.nabla.*;
import dev.nabla.core.*;
import dev.nabla.nn.*;
import dev.nabla.optim.*;
import static dev.nabla.Nabla.*;
System.out.println("Nabla on Java " + Runtime.version().feature() + " (" + Device.best() + "): dev.nabla, dev.nabla.core, nn and optim are imported; /exit leaves");
