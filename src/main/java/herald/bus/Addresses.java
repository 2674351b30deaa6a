package herald.bus;

/** Event-bus addresses. All are node-local consumers. */
public final class Addresses {

  /** The node's TopicVerticle: takes {@link ToTopics}. */
  public static final String TOPICS = "herald.topics";

  /** The TopicVerticle's state, as JSON, for operators and tests. */
  public static final String TOPICS_STATS = "herald.topics.stats";

  /** The TopicVerticle's topics matching a pattern, with their counts ({@code herald.topic.TopicQueries}). */
  public static final String TOPICS_LIST = "herald.topics.list";

  /** The TopicVerticle's subscription counts for some topics ({@code herald.topic.TopicQueries}). */
  public static final String TOPICS_SUBSCRIBERS = "herald.topics.subscribers";

  /** The TopicVerticle's last messages of a topic ({@code herald.topic.TopicQueries}). */
  public static final String TOPICS_PEEK = "herald.topics.peek";

  /**
   * What one node says about itself to the others, on the clustered event bus: {@code herald.ops.NodeReport}
   * listens on this address plus its Hazelcast member address ({@code host:port}), or {@code local} on a
   * single node.
   */
  public static final String NODE_PREFIX = "herald.node.";

  private Addresses() {}

  /** The NetServer verticle instance {@code instance}: takes {@link ToConnections}. */
  public static String connections(String deploymentId, int instance) {
    return "herald.net." + deploymentId + "." + instance;
  }
}
