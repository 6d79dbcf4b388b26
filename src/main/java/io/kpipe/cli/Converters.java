package io.kpipe.cli;

import io.kpipe.config.Durations;
import io.kpipe.config.ProcessorConfig.Emit;
import io.kpipe.config.ProcessorConfig.Guarantee;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option converters whose errors say what is allowed. */
final class Converters {
    private Converters() {}

    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Points per second: a positive number with an optional k or M suffix, or {@code max} (0). */
    static final class RateConverter implements ITypeConverter<Long> {
        static final String ALLOWED = "use a positive number of points per second (e.g. 333333, 500k, 1M) or 'max'";

        @Override
        public Long convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.equals("max")) {
                return 0L;
            }
            long scale = 1;
            if (v.endsWith("k")) {
                scale = 1_000;
            } else if (v.endsWith("m")) {
                scale = 1_000_000;
            }
            try {
                double n = Double.parseDouble(scale == 1 ? v : v.substring(0, v.length() - 1));
                long rate = Math.round(n * scale);
                if (rate <= 0 || Double.isNaN(n)) {
                    throw new TypeConversionException("'" + value + "' is not allowed; " + ALLOWED);
                }
                return rate;
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a rate; " + ALLOWED);
            }
        }
    }

    /** A count of things, such as sensors: a positive whole number, with an optional k (thousand) or M (million): 10k, 1M. */
    static final class CountConverter implements ITypeConverter<Integer> {
        static final String ALLOWED = "use a positive whole number (e.g. 10000, 10k, 1M)";

        @Override
        public Integer convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            long scale = v.endsWith("k") ? 1_000 : v.endsWith("m") ? 1_000_000 : 1;
            try {
                java.math.BigDecimal n = new java.math.BigDecimal(scale == 1 ? v : v.substring(0, v.length() - 1))
                        .multiply(java.math.BigDecimal.valueOf(scale));
                if (n.signum() <= 0 || n.stripTrailingZeros().scale() > 0 || n.compareTo(java.math.BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
                    throw new TypeConversionException("'" + value + "' is not allowed; " + ALLOWED);
                }
                return n.intValueExact();
            } catch (NumberFormatException | ArithmeticException e) {
                throw new TypeConversionException("'" + value + "' is not a count; " + ALLOWED);
            }
        }
    }

    /** A rate as {@link RateConverter} takes it, or 0 for "no limit". */
    static final class MaxRateConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return value.trim().equals("0") ? 0L : new RateConverter().convert(value);
        }
    }

    /** Bytes: a whole number with an optional binary unit, k (KiB), m (MiB) or g (GiB): 134217728 = 128m. */
    static final class ByteSizeConverter implements ITypeConverter<Long> {
        static final String ALLOWED = "use a number of bytes with an optional k, m or g (KiB, MiB, GiB), e.g. 128m";

        @Override
        public Long convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            int shift = v.isEmpty() ? 0 : switch (v.charAt(v.length() - 1)) {
                case 'k' -> 10;
                case 'm' -> 20;
                case 'g' -> 30;
                default -> 0;
            };
            try {
                long n = Long.parseLong(shift == 0 ? v : v.substring(0, v.length() - 1));
                if (n < 0 || n > Long.MAX_VALUE >> shift) {
                    throw new TypeConversionException("'" + value + "' is not allowed; " + ALLOWED);
                }
                return n << shift;
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is not a size; " + ALLOWED);
            }
        }
    }

    static final class GuaranteeConverter implements ITypeConverter<Guarantee> {
        @Override
        public Guarantee convert(String value) {
            for (Guarantee g : Guarantee.values()) {
                if (g.kafkaName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return g;
                }
            }
            throw new TypeConversionException("'" + value + "' is not a guarantee; use exactly_once_v2 or at_least_once");
        }
    }

    static final class EmitConverter implements ITypeConverter<Emit> {
        @Override
        public Emit convert(String value) {
            for (Emit e : Emit.values()) {
                if (e.flagName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return e;
                }
            }
            throw new TypeConversionException("'" + value + "' is not an emit mode; use updates or final");
        }
    }
}
