/**
 * The Herald Java client: {@link herald.client.HeraldClient} (Vert.x futures) and
 * {@link herald.client.BlockingHerald} (a blocking facade for scripts and tests); {@link herald.client.Group}
 * for consumer groups.
 *
 * <p><b>Concurrency.</b> A client's state (its connection, the requests waiting and in flight, its
 * subscriptions) belongs to one Vert.x event loop, the context it was connected from or a new one; public
 * methods may be called from any thread and hand their work to that loop. There are no locks. Only
 * {@code HeraldClient.node()}, {@code HeraldClient.user()}, {@code Subscription.lastSeq()} and the gap handler are read across threads,
 * through volatile fields.
 */
package herald.client;
