package herald.store;

/**
 * When the broker fsyncs. The store itself only offers {@code flush()} and {@code sync()}; the caller follows
 * the policy ({@link Store#commit()} does it for a batch). What each one can lose is in {@code package-info}.
 */
public enum FsyncPolicy {
  /** fsync every dirty file before the batch's acknowledgements, once per batch (group commit). */
  ALWAYS,
  /** The caller runs {@link Store#syncDirty()} every second, like Redis's {@code appendfsync everysec}. */
  INTERVAL,
  /** Never fsync on the write path; the operating system writes back when it likes. */
  NEVER
}
