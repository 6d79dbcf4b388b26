package io.kpipe.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MachineCpuTest {
    @Test
    void shouldCountIdleAndIowaitAsNotBusy() {
        MachineCpu a = MachineCpu.parse("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n");
        MachineCpu b = MachineCpu.parse("cpu  250 10 90 900 50 5 5 0 7 0\n");
        assertThat(a).isEqualTo(new MachineCpu(150, 1000));
        // busy +210 (user 150, nice 10, system 40, irq 5, softirq 5) of +310 ticks; guest (7) is in user already
        assertThat(b.busySince(a)).isEqualTo(210.0 / 310.0);
    }

    @Test
    void shouldHaveNoFigureWithoutProcStat() {
        assertThat(MachineCpu.parse("")).isEqualTo(MachineCpu.NONE);
        assertThat(MachineCpu.NONE.busySince(MachineCpu.NONE)).isNaN();
    }
}
