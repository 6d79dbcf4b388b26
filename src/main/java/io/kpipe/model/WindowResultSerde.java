package io.kpipe.model;

/** JSON serde of {@link WindowResult}; used per window update, thousands of times rarer than points. */
public final class WindowResultSerde extends JsonSerde<WindowResult> {
    public WindowResultSerde() {
        super(WindowResult.class);
    }
}
