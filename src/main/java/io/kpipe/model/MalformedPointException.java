package io.kpipe.model;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record on {@code points} that is not a valid data point. The message is the reason that goes
 * into the dead-letter record's {@code error} header, so it names the field and the bad value.
 *
 * <p>Stackless: malformed input is data, not a bug, and the reason says everything a stack would.
 */
public final class MalformedPointException extends SerializationException {
    private static final long serialVersionUID = 1L;

    public MalformedPointException(String reason) {
        super(reason);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
