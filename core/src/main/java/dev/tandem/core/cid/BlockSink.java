package dev.tandem.core.cid;

/** Receives the blocks of a DAG as they are made or read: each block's CID and its bytes. */
@FunctionalInterface
public interface BlockSink {
    /** One block; {@code block} is the caller's to keep. */
    void accept(Cid cid, byte[] block);
}
