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
 * Parses {@code --chaos}: a comma list of {@code ACTION[:ID]@T}, and {@code ACTION[:ID]@T+D} for the
 * faults that last (pause-broker, and with --hosts partition-broker, partition-processor,
 * split-brokers), e.g. {@code kill-broker:2@30s,restart-broker:2@45s,pause-broker@20s+10s}. T is a
 * duration from the start of the run, D how long the fault lasts. Events come back in time order.
 */
public final class ChaosSpec {
    static final String SETTING = "--chaos";
    private static final String LASTING = "pause-broker, partition-broker, partition-processor, split-brokers";
    private static final String FORM = "ACTION[:ID]@T, or ACTION[:ID]@T+D for " + LASTING + "; ACTION one of "
            + "kill-broker, restart-broker, kill-processor, restart-processor, " + LASTING;
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
        if (action.lasts() != (pause != null)) {
            throw new UsageException(SETTING, action.lasts()
                    ? action.spec() + " needs a length, e.g. " + action.spec() + "@20s+10s, got '" + text + "'"
                    : "only " + LASTING + " take +D, got '" + text + "'");
        }
        UsageException.require(pause == null || !pause.isZero(), SETTING,
                "the length after + must be more than 0, got '" + text + "'");
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
