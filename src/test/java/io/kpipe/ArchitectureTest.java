package io.kpipe;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * The package graph of the main classes, as the README's "Layout" section draws it: packages
 * form no cycle, none reaches into another one's {@code internal} package, and each uses only
 * layers below its own (or packages beside it in its layer).
 *
 * <pre>
 * cli
 * bench  faults
 * run
 * metrics
 * http  devices  produce
 * generate  process  sink  engine
 * cluster  topics  chaos
 * config  model  lifecycle  terminal  hosts
 * </pre>
 *
 * A new package has to be placed in a layer here (and in the README) before the build passes.
 */
@AnalyzeClasses(packages = "io.kpipe", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String PREFIX = "io.kpipe.";

    @ArchTest
    static final ArchRule packagesShouldFormNoCycle = slices().matching("io.kpipe.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule noPackageShouldUseAnotherPackagesInternals = classes()
            .should(useNoOtherPackagesInternals());

    @ArchTest
    static final ArchRule packagesShouldUseOnlyLayersBelowTheirOwn = layeredArchitecture()
            .consideringOnlyDependenciesInAnyPackage("io.kpipe..")
            .layer("commands").definedBy("io.kpipe.cli..")
            .layer("suites").definedBy("io.kpipe.bench..", "io.kpipe.faults..")
            .layer("run").definedBy("io.kpipe.run..")
            .layer("metrics").definedBy("io.kpipe.metrics..")
            .layer("entry points").definedBy("io.kpipe.http..", "io.kpipe.devices..", "io.kpipe.produce..")
            .layer("stages").definedBy("io.kpipe.generate..", "io.kpipe.process..", "io.kpipe.sink..",
                    "io.kpipe.engine..")
            .layer("kafka").definedBy("io.kpipe.cluster..", "io.kpipe.topics..", "io.kpipe.chaos..")
            .layer("foundation").definedBy("io.kpipe.config..", "io.kpipe.model..", "io.kpipe.lifecycle..",
                    "io.kpipe.terminal..", "io.kpipe.hosts..")
            .whereLayer("commands").mayNotBeAccessedByAnyLayer()
            .whereLayer("suites").mayOnlyBeAccessedByLayers("commands")
            .whereLayer("run").mayOnlyBeAccessedByLayers("commands", "suites")
            .whereLayer("metrics").mayOnlyBeAccessedByLayers("commands", "suites", "run")
            .whereLayer("entry points").mayOnlyBeAccessedByLayers("commands", "suites", "run", "metrics")
            .whereLayer("stages").mayOnlyBeAccessedByLayers("commands", "suites", "run", "metrics", "entry points")
            .whereLayer("kafka").mayOnlyBeAccessedByLayers("commands", "suites", "run", "metrics", "entry points",
                    "stages")
            .ensureAllClassesAreContainedInArchitecture();

    /** Only {@code io.kpipe.cluster..} may use {@code io.kpipe.cluster.internal..}, and so on. */
    private static ArchCondition<JavaClass> useNoOtherPackagesInternals() {
        return new ArchCondition<>("use no other package's internal classes") {
            @Override
            public void check(JavaClass origin, ConditionEvents events) {
                for (Dependency d : origin.getDirectDependenciesFromSelf()) {
                    String target = d.getTargetClass().getPackageName();
                    if (target.startsWith(PREFIX) && (target + ".").contains(".internal.")
                            && !feature(target).equals(feature(origin.getPackageName()))) {
                        events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                    }
                }
            }
        };
    }

    /** {@code cluster} for {@code io.kpipe.cluster.internal}. */
    private static String feature(String packageName) {
        String rest = packageName.startsWith(PREFIX) ? packageName.substring(PREFIX.length()) : packageName;
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }
}
