package io.kpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.cluster.LocalCluster;
import io.kpipe.testing.SharedCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@ExtendWith(SharedCluster.class)
@Timeout(60)
class ProcessCommandIT {
    @Test
    void shouldRefuseToProcessTopicsThatDoNotExist(LocalCluster cluster) {
        String prefix = SharedCluster.unique("absent-");
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = Main.execute(new String[] {"process", "--bootstrap-servers", cluster.bootstrapServers(),
                "--topic-prefix", prefix}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("kpipe process: --topic-prefix: topic '" + prefix
                + "points' does not exist; create the pipeline topics first: kpipe topics create\n");
    }
}
