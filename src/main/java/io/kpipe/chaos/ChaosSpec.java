package io.kpipe.chaos;

import io.kpipe.config.ChaosEvent;
import io.kpipe.config.Durations;
import io.kpipe.config.UsageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code --chaos}: a comma list of {@code ACTION[:ID]@T}, and {@code pause-broker[:ID]@T+D},
 * e.g. {@code kill-broker:2@30s,restart-broker:2@45s,pause-broker@20s+10s}. T and D are durations
 * from the start of the run. Events come back in time order.
 */
public final class ChaosSpec {
    static final String SETTING = "--chaos";
    private static final String FORM = "ACTION[:ID]@T or pause-broker[:ID]@T+D, ACTION one of "
            + "kill-broker, restart-broker, kill-processor, restart-processor, pause-broker";
    private static final Pattern EVENT = Pattern.compile("([a-z-]+)(?::(\\d+))?@([^+]+)(?:\\+(.+))?");

    private ChaosSpec() {}

    public static List<ChaosEvent> parse(String spec) {
        List<ChaosEvent> events = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return events;
        }
        for (String part : spec.split(",")) {
            events.add(event(part.trim()));
        }
        events.sort(Comparator.comparing(ChaosEvent::at));
        return events;
    }

    private static ChaosEvent event(String text) {
        Matcher m = EVENT.matcher(text);
        if (!m.matches()) {
            throw new UsageException(SETTING, "'" + text + "' is not " + FORM);
        }
        ChaosEvent.Action action = null;
        for (ChaosEvent.Action a : ChaosEvent.Action.values()) {
            if (a.spec().equals(m.group(1))) {
                action = a;
            }
        }
        if (action == null) {
            throw new UsageException(SETTING, "unknown action '" + m.group(1) + "' in '" + text + "'; use " + FORM);
        }
        Integer target = m.group(2) == null ? null : Integer.valueOf(m.group(2));
        if (target != null && target < 1) {
            throw new UsageException(SETTING, "ids start at 1, got " + target + " in '" + text + "'");
        }
        Duration at = duration(m.group(3), text);
        Duration pause = m.group(4) == null ? null : duration(m.group(4), text);
        if ((action == ChaosEvent.Action.PAUSE_BROKER) != (pause != null)) {
            throw new UsageException(SETTING, action == ChaosEvent.Action.PAUSE_BROKER
                    ? "pause-broker needs a pause length, e.g. pause-broker@20s+10s, got '" + text + "'"
                    : "only pause-broker takes +D, got '" + text + "'");
        }
        return new ChaosEvent(action, target, at, pause);
    }

    private static Duration duration(String s, String text) {
        try {
            return Durations.parse(s);
        } catch (IllegalArgumentException e) {
            throw new UsageException(SETTING, e.getMessage() + " (in '" + text + "')");
        }
    }
}
