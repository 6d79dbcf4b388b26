package io.kpipe.http;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of the HTTP server: a fixed pool with a bounded queue, and a small overflow pool for
 * the requests that find the queue full. An overflow thread runs the JDK's exchange like any other
 * (it reads the request line and headers), and {@link HttpService} then answers 503 instead of
 * calling the handler: a client learns at once that it must come back, rather than waiting behind
 * a backlog it cannot see. When the overflow is full too, {@link #execute} throws and the JDK
 * server closes the connection without an answer: the last resort of a flood.
 */
final class RequestPool implements Executor {
    /** Overflow threads: answering 503 takes microseconds, but each reads a request's headers first. */
    private static final int OVERFLOW_THREADS = 2;
    private static final int OVERFLOW_QUEUE = 16;

    /** Worker threads and queue places of the main pool. */
    record Capacity(int threads, int queue) {
        Capacity {
            if (threads < 1 || queue < 1) {
                throw new IllegalArgumentException("threads and queue must be positive, got " + threads + ", " + queue);
            }
        }
    }

    private final Capacity capacity;
    private final ThreadPoolExecutor workers;
    private final ThreadPoolExecutor overflow;

    RequestPool(Capacity capacity) {
        this.capacity = capacity;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(capacity.threads(), capacity.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(capacity.queue()), r -> daemon(new Thread(r, "kpipe-http-" + n.incrementAndGet())));
        AtomicInteger m = new AtomicInteger();
        this.overflow = new ThreadPoolExecutor(OVERFLOW_THREADS, OVERFLOW_THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(OVERFLOW_QUEUE), r -> daemon(new OverflowThread(r, "kpipe-http-busy-" + m.incrementAndGet())));
    }

    private static Thread daemon(Thread t) {
        t.setDaemon(true);
        return t;
    }

    /** Runs {@code exchange} on a worker, else on an overflow thread; throws when both are full. */
    @Override
    public void execute(Runnable exchange) {
        try {
            workers.execute(exchange);
        } catch (RejectedExecutionException full) {
            overflow.execute(exchange);
        }
    }

    /** True on an overflow thread: the request found the queue full and gets 503. */
    static boolean overflowing() {
        return Thread.currentThread() instanceof OverflowThread;
    }

    Capacity capacity() {
        return capacity;
    }

    /** Requests waiting for a worker. */
    int queued() {
        return workers.getQueue().size();
    }

    void shutdownNow() {
        workers.shutdownNow();
        overflow.shutdownNow();
    }

    private static final class OverflowThread extends Thread {
        OverflowThread(Runnable r, String name) {
            super(r, name);
        }
    }
}
