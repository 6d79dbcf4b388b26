package io.kpipe.run;

import io.kpipe.sink.PostgresSink;

/**
 * {@code kpipe run}'s sink on a thread of its own. The sink retries while the database is down
 * (that is a slow sink, not a dead one); it is dead when its loop ended with an error.
 */
final class SinkThread implements AutoCloseable, Vitals.Part {
    private final PostgresSink sink;
    private final Thread thread;
    private volatile Throwable failure;
    private volatile boolean closed;

    private SinkThread(PostgresSink sink) {
        this.sink = sink;
        this.thread = new Thread(this::run, "kpipe-sink");
        thread.setDaemon(true);
    }

    static SinkThread start(PostgresSink sink) {
        SinkThread t = new SinkThread(sink);
        t.thread.start();
        return t;
    }

    private void run() {
        try {
            sink.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    @Override
    public String death() {
        if (closed || thread.isAlive()) {
            return null;
        }
        return "the sink stopped: " + (failure == null ? "its loop ended" : DeadPartException.rootCause(failure));
    }

    @Override
    public void close() {
        closed = true;
        sink.close();
    }
}
