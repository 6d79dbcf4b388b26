package io.kpipe.devices;

import static org.assertj.core.api.Assertions.assertThat;

import io.kpipe.model.Device;
import java.io.BufferedReader;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class DeviceFileTest {
    private static DeviceFile.Contents read(String text) throws Exception {
        return DeviceFile.read(new BufferedReader(new StringReader(text)));
    }

    @Test
    void shouldReadCsvWithOptionalFieldsAndRejectBadLinesWithTheirNumbers() throws Exception {
        DeviceFile.Contents c = read("""
                sensor,site,type,unit,min,max
                s-1,plant-a,temperature,C,-20,60
                s-2,plant-b,,,,
                # a comment
                s-3,plant-a,pressure,kPa,ten,20
                s-4,,pressure,kPa,1,2
                s-5,plant-c,x,y,5,1
                s-6,plant-c
                """);

        assertThat(c.devices()).containsExactly(
                new Device("s-1", "plant-a", "temperature", "C", -20.0, 60.0),
                new Device("s-2", "plant-b", null, null, null, null));
        assertThat(c.rejected()).containsExactly(
                new DeviceFile.Rejected(5, "field 'min' is not a number: 'ten'"),
                new DeviceFile.Rejected(6, "field 'site' is missing"),
                new DeviceFile.Rejected(7, "min 5.0 is above max 1.0"),
                new DeviceFile.Rejected(8, "expected 6 fields (sensor,site,type,unit,min,max), got 2"));
    }

    @Test
    void shouldReadNdjsonAndRejectWhatIsNotADevice() throws Exception {
        DeviceFile.Contents c = read("""
                {"sensor":"s-1","site":"plant-a","unit":"C","max":50}

                {"sensor":"s-2"}
                {"sensor":
                """);

        assertThat(c.devices()).containsExactly(new Device("s-1", "plant-a", null, "C", null, 50.0));
        assertThat(c.rejected()).extracting(DeviceFile.Rejected::line).containsExactly(3, 4);
        assertThat(c.rejected().get(0).reason()).isEqualTo("field 'site' is missing");
        assertThat(c.rejected().get(1).reason()).startsWith("not a JSON device: ");
    }

    @Test
    void shouldRefuseACsvWithoutItsHeader() throws Exception {
        DeviceFile.Contents c = read("s-1,plant-a,temperature,C,0,1\n");

        assertThat(c.devices()).isEmpty();
        assertThat(c.rejected()).containsExactly(
                new DeviceFile.Rejected(1, "a CSV registry starts with the header 'sensor,site,type,unit,min,max'"));
    }
}
