package io.kpipe.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RegistryVersionsTest {
    private static int hash(String sensor) {
        return Arrays.hashCode(sensor.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldChangeTheVersionOfAChangedSensorOnly() {
        RegistryVersions v = new RegistryVersions();
        long s1 = v.version(hash("s-1"));
        long s2 = v.version(hash("s-2"));

        v.changed(hash("s-1"));

        assertThat(v.version(hash("s-1"))).isEqualTo(s1 + 1);
        assertThat(v.version(hash("s-2"))).isEqualTo(s2);
    }

    @Test
    void shouldChangeEveryVersionWhenTheWholeRegistryMayHaveChanged() {
        RegistryVersions v = new RegistryVersions();
        v.changed(hash("s-1"));
        long s1 = v.version(hash("s-1"));
        long s2 = v.version(hash("s-2"));

        v.changedAll();

        assertThat(v.version(hash("s-1"))).isEqualTo(s1 + 1);
        assertThat(v.version(hash("s-2"))).isEqualTo(s2 + 1);
        assertThat(s1).isNotEqualTo(WindowAggregateStore.NEVER_LOOKED_UP);
    }
}
