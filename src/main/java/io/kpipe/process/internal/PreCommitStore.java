package io.kpipe.process.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The fence around the Kafka Streams internals kpipe uses: a state store that Kafka Streams calls
 * at every commit <em>before</em> the task's producer is flushed and its offsets (under
 * exactly-once, its transaction) committed, and from which the task's processor can forward
 * records at that moment. Nothing else in kpipe may import a Streams {@code internals} package.
 *
 * <pre>
 * commit of a task (StreamTask.prepareCommit, Kafka Streams 4.4.0)
 *   ProcessorStateManager.flushCache() ─► flushCache() (here) ─► beforeCommit() (subclass)
 *                                             writes stamped by beginCommitWrites(t)
 *                                             forwards between beginForwarding() and endForwarding()
 *   RecordCollector.flush()             the changelog and output records above go out
 *   offsets (or the transaction) committed
 * postCommit: StateStore.commit(Map), checkpoint
 * </pre>
 *
 * <h2>Internals used, checked against Kafka Streams {@value #CHECKED_AGAINST}</h2>
 * <ol>
 *   <li>{@code state.internals.CachedStateStore}: {@code ProcessorStateManager.flushCache()} calls
 *       {@code flushCache()} on every registered store that is one (the DSL's caching stores
 *       flush this way), in {@code prepareCommit}. The public hook, {@code StateStore.commit(Map)},
 *       runs in {@code postCommit}, after the offsets are committed: writes made there would miss
 *       the commit they belong to. {@code ProcessorStateManager.recycle()} calls {@code clearCache()}
 *       when a task is recycled (active to standby or back), which {@code StreamTask} does only
 *       after a clean commit ({@code prepareRecycle} calls {@code validateClean()}); the store
 *       instance, its state and its changelog position stay.
 *   <li>{@code state.internals.CacheFlushListener}: only because {@code CachedStateStore} declares
 *       {@code setFlushListener}; this store takes no listener and says so (returns false).
 *   <li>{@code processor.internals.InternalProcessorContext}: the {@code StateStoreContext} a store
 *       gets in {@code init} is one, and the same object as its processor's context. Its
 *       {@code recordContext}/{@code setRecordContext} and
 *       {@code currentNode}/{@code setCurrentNode} are in no public interface.
 *   <li>{@code processor.internals.ProcessorRecordContext}: at commit time no record is being
 *       processed, so the changelog writes and forwards would carry whatever the last record left
 *       behind. They are stamped instead with a context of their own: the subclass's timestamp, no
 *       topic, partition or offset, empty headers ({@code RecordHeaders}, a clients class).
 *   <li>{@code processor.internals.ProcessorNode}: {@code ProcessorContext.forward} sends to the
 *       children of the current node and throws when there is none, which is the case at commit
 *       time; the processor's node is captured while it initialises and made current again
 *       around the forwards.
 *   <li>{@code InternalProcessorContext.logChange(store, key, value, timestamp, headers, position)}:
 *       what Kafka Streams' own change-logging layer calls to send a record to the store's
 *       changelog partition through the task's record collector (under exactly-once, in the task's
 *       transaction). {@link #logChange} calls it, so a store logs its changes without keeping a
 *       second, logged copy of its state; it restores through the public {@code
 *       StateStoreContext.register} callback. The headers are empty (Kafka Streams adds the
 *       position only with its internal IQ-consistency option on, which kpipe never sets) and the
 *       position is empty: this store serves no IQv2 queries.
 * </ol>
 *
 * <h2>When the Kafka version changes</h2>
 * {@link #requireCheckedVersion()} refuses any other Kafka Streams version with one line saying
 * what to re-check (the unit test {@code PreCommitStoreVersionTest} fails the build the same way,
 * and {@code WindowAggregateStore.builder} calls it, so a processor does not start on an unchecked
 * version: a silently moved hook would break exactly-once without an error). Re-check the points
 * above in the new version's source, run the topology tests and {@code ChaosIT}, then update
 * {@link #CHECKED_AGAINST}.
 *
 * <h2>Why an abstract class</h2>
 * Kafka Streams finds the hook by {@code instanceof CachedStateStore} on the registered store, so
 * the store itself must be one: a base class keeps that relation, and every internal type, in
 * this file. The store's per-point methods stay on its own final class, so they are as
 * monomorphic as before; this class is called only at init and at commit, and allocates only
 * there (one record context per commit with changes).
 *
 * <pre>{@code
 * final class MyStore extends PreCommitStore {
 *     public void init(StateStoreContext c, StateStore root) { attach(c); ... }
 *     void load(...)           { captureForwardingNode(); ... }   // from the processor's init
 *     protected void beforeCommit() {
 *         beginCommitWrites(streamTime);
 *         try {
 *             ... logChange(key, value) for each change ...
 *             beginForwarding();
 *             try { ... context.forward(...) ... } finally { endForwarding(); }
 *         } finally {
 *             endCommitWrites();
 *         }
 *     }
 *     protected void dropCache() { ... }
 * }
 * }</pre>
 */
public abstract class PreCommitStore implements StateStore, CachedStateStore<Bytes, byte[]> {
    /** The Kafka Streams version whose source the points above were checked in. */
    public static final String CHECKED_AGAINST = "4.4.0";
    /** Where the kafka-streams jar records its version (read the same way by its own metrics). */
    private static final String VERSION_RESOURCE = "/kafka/kafka-streams-version.properties";
    /** The position sent with changelog records; read by Kafka Streams only with IQ consistency on. */
    private static final Position NO_POSITION = Position.emptyPosition();

    private InternalProcessorContext<?, ?> context;
    private ProcessorNode<?, ?, ?, ?> forwardingNode;
    private ProcessorNode<?, ?, ?, ?> nodeBeforeForwarding;
    private ProcessorRecordContext recordContextBeforeCommit;
    private long commitTimestamp;

    /** The version of the kafka-streams jar on the classpath, or {@code "unknown"}. */
    public static String runningVersion() {
        try (InputStream in = StreamsConfig.class.getResourceAsStream(VERSION_RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown").trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + VERSION_RESOURCE, e);
        }
    }

    /**
     * Throws {@link IllegalStateException} unless {@link #runningVersion()} is {@link
     * #CHECKED_AGAINST}; the message is one line and says what to re-check.
     */
    public static void requireCheckedVersion() {
        String running = runningVersion();
        if (!CHECKED_AGAINST.equals(running)) {
            throw new IllegalStateException(mismatch(running));
        }
    }

    static String mismatch(String running) {
        return "Kafka Streams version " + running + " is on the classpath but kpipe's commit hook ("
                + PreCommitStore.class.getName() + ") was checked against " + CHECKED_AGAINST
                + ": re-check in the new source that ProcessorStateManager.flushCache() still calls"
                + " CachedStateStore.flushCache() before the producer flush and offset commit, that"
                + " InternalProcessorContext still has setRecordContext/setCurrentNode and logChange(store, key,"
                + " value, timestamp, headers, position) and forward() still needs a current node, run"
                + " PointTopologyTest, EmitModeBooksTest and ChaosIT, then set CHECKED_AGAINST to "
                + running;
    }

    /** Call first in {@code init(StateStoreContext, StateStore)}. */
    protected final void attach(StateStoreContext context) {
        this.context = (InternalProcessorContext<?, ?>) context;
    }

    /**
     * Remembers the processor node now running as the one that forwards at commit time. Call it
     * from the processor's {@code init}, where Kafka Streams has made that processor current.
     */
    protected final void captureForwardingNode() {
        forwardingNode = context.currentNode();
    }

    /**
     * Kafka Streams' pre-commit call: the subclass writes back what changed since the last commit,
     * using {@link #beginCommitWrites} and {@link #beginForwarding}.
     */
    protected abstract void beforeCommit();

    /**
     * Kafka Streams' {@code clearCache()}: the task is being recycled, just after a clean commit,
     * and keeps this store and its changelog position; drop what is only derived for processing
     * (what the store holds as state must stay, as Kafka Streams will not restore it again).
     */
    protected abstract void dropCache();

    /** Until {@link #endCommitWrites()}, changelog records and forwards carry {@code timestamp}. */
    protected final void beginCommitWrites(long timestamp) {
        recordContextBeforeCommit = context.recordContext();
        commitTimestamp = timestamp;
        context.setRecordContext(new ProcessorRecordContext(timestamp, -1, -1, null, new RecordHeaders()));
    }

    /**
     * Sends {@code key} and {@code value} (null: a tombstone) to this store's changelog, stamped
     * with the timestamp of {@link #beginCommitWrites}; call it between that and {@link
     * #endCommitWrites()}. The store must have registered itself ({@code StateStoreContext.register})
     * and have logging enabled. The key and value are handed to the producer as they are: do not
     * reuse them.
     */
    protected final void logChange(Bytes key, byte[] value) {
        context.logChange(name(), key, value, commitTimestamp, new RecordHeaders(), NO_POSITION);
    }

    /** Puts back the record context {@link #beginCommitWrites} replaced; call it in a finally. */
    protected final void endCommitWrites() {
        context.setRecordContext(recordContextBeforeCommit);
        recordContextBeforeCommit = null;
    }

    /** Until {@link #endForwarding()}, forwards go from the node of {@link #captureForwardingNode()}. */
    protected final void beginForwarding() {
        nodeBeforeForwarding = context.currentNode();
        context.setCurrentNode(forwardingNode);
    }

    /** Puts back the node {@link #beginForwarding()} replaced; call it in a finally. */
    protected final void endForwarding() {
        context.setCurrentNode(nodeBeforeForwarding);
        nodeBeforeForwarding = null;
    }

    @Override
    public final void flushCache() {
        beforeCommit();
    }

    @Override
    public final void clearCache() {
        dropCache();
    }

    /** No listener: the owning processor forwards the changes itself. */
    @Override
    public final boolean setFlushListener(CacheFlushListener<Bytes, byte[]> listener, boolean sendOldValues) {
        return false;
    }
}
