/**
 * Topic logs on disk (issue 13): plain Java 17 and {@code java.nio}, no Vert.x, no Hazelcast, used by one owning
 * thread at a time. {@link herald.store.Store} holds a node's logs; {@link herald.store.DiskLog} is one topic's.
 *
 * <h2>Why our own code</h2>
 * The format is the product: what a restart brings back, what a crash can lose and what retention keeps are
 * Herald's guarantees, and they live in these bytes. No embeddable Java library gives per-topic logs indexed by a
 * seq that the caller assigns (the partition owner; backups mirror it), with our retention (count, bytes, age,
 * applied from the head) and a start that survives restarts. Kafka's log and NATS's filestore do, but inside
 * their servers; an embedded key-value store (RocksDB, MapDB) would add compaction, a second write-ahead log and
 * a native dependency to store what is an append-only sequence.
 *
 * <h2>Layout</h2>
 * <pre>
 * data/topics/&lt;topic dir&gt;/topic                     the exact topic name (the directory name is derived, see TopicDirs)
 *                           log.ckpt                  first seq (and last seq at the last flush), two checksummed slots
 *                           00000000000000000001.seg  segment: 16-byte header, then records; named by its first seq
 *                           00000000000000000001.idx  sparse index of a sealed segment: (seq offset, position) per 4 KiB
 * data/trash/                                         deleted topics, moved here first, emptied at start-up
 * </pre>
 * The bytes of a segment are described in {@code Format}: a header with a magic number, a format version and the
 * base seq; records of {@code length, crc32c, seq, storedAtMillis, payload}.
 *
 * <h2>What we took, and from where</h2>
 * <ul>
 *   <li>Kafka ({@code LogSegment}, {@code OffsetIndex}): segment files named by their base offset, zero-padded
 *       to 20 digits so names sort as numbers; a sparse index every 4 KiB ({@code index.interval.bytes}),
 *       rebuilt from the segment when missing or inconsistent; recovery that reads forward and truncates at the
 *       first invalid record; a persisted log start offset ({@code log-start-offset-checkpoint}) so that
 *       retention that trims inside a segment survives a restart; deleting whole segments only.</li>
 *   <li>NATS ({@code server/filestore.go}): a magic number and a version at the start of each file; a per-record
 *       checksum; sanity checks on the length before trusting it ({@code rlBadThresh}); truncate, then fsync the
 *       cut, so the cut is durable before new appends; reporting what was lost ({@code LostStreamData}: the
 *       messages and the bytes); a block size of a few MiB (its largest, 8 MiB, is our segment size); a sync
 *       interval (its {@code sync_interval}, our INTERVAL) and sync always as an option.</li>
 *   <li>Our own choices: seqs are assigned by the caller and must be last + 1 (no gaps, so a sealed segment's
 *       count is the next base minus its own and no per-record index is needed); the checkpoint is two slots
 *       overwritten in place rather than a file renamed into place, so updating it at every flush costs one
 *       small write; the newest segment is never deleted, so the next seq survives retention that empties the
 *       log; write buffers are lent per batch, so memory follows the batch, not the number of topics.</li>
 * </ul>
 *
 * <h2>What each fsync policy can lose</h2>
 * Every policy writes a batch to the operating system ({@code flush}, {@link herald.store.Store#commit()})
 * before the batch is acknowledged. A sealed segment is always fsynced when the next one starts, whatever the
 * policy, so only the newest segment of a topic can be torn, and opening a log scans exactly that one.
 * <table>
 *   <caption>Acknowledged messages lost, by failure</caption>
 *   <tr><th>policy</th><th>process crash (kill -9, OOM, JVM bug)</th><th>power loss, kernel panic, VM reset</th></tr>
 *   <tr><td>ALWAYS</td><td>nothing</td><td>nothing: every file the batch wrote (segment, checkpoint if the
 *       start moved, directory if files came or went) is fsynced before the batch is acknowledged</td></tr>
 *   <tr><td>INTERVAL (1 s)</td><td>nothing</td><td>what was acknowledged since the last sync, about the last
 *       second of each topic's newest segment; a retention trim in that second can come back (the checkpoint
 *       is synced on the same clock)</td></tr>
 *   <tr><td>NEVER</td><td>nothing</td><td>whatever the kernel had not written back (Linux writes dirty pages
 *       back after about 30 s: {@code vm.dirty_expire_centisecs}); never more than the newest segment of each
 *       topic, since sealed ones are fsynced</td></tr>
 * </table>
 * In every case the log is consistent after the restart: a torn or corrupt tail is cut back to the last valid
 * record and reported ({@link herald.store.Recovery}: records and bytes dropped, the last seq before and after),
 * and nothing before the damage is lost. The checkpoint records the start whenever it moves, and the last seq at
 * each sync and close (not at every flush: that would be a second write per batch, for a figure only a synced
 * checkpoint keeps through a power loss anyway), so the report can say how many records written before the last
 * sync a power loss took. Data that was fsynced and then damaged (a flipped bit on
 * the disk) is found by the record checksum: at open if it is in the newest segment (cut like a torn tail), or
 * when it is read otherwise ({@link herald.store.CorruptLogException}; sealed segments are not rewritten).
 *
 * <h2>Errors</h2>
 * A failed write, segment creation or fsync throws {@link herald.store.StorageWriteException}
 * ({@code diskFull()} for ENOSPC and EDQUOT). The log drops what it had buffered, cuts the file back to its last
 * whole record, and says in the exception which seq it now ends at; appends after it must not be acknowledged.
 * Reads go on. After a failed fsync the caller should treat the node's storage as failed rather than retry: on
 * Linux the kernel may have dropped the pages it could not write.
 *
 * <h2>Threads</h2>
 * None of these classes lock. The owner (the topic verticle's event loop) does everything; an fsync blocks for as
 * long as the disk takes, so a caller that must not block hands the store to a worker for
 * {@link herald.store.Store#syncDirty()} and does not touch it until that returns.
 */
package herald.store;
