package herald.bus;

/** Event-bus addresses. All are node-local consumers. */
public final class Addresses {

  /** The node's TopicVerticle: takes {@link ToTopics}. */
  public static final String TOPICS = "herald.topics";

  /** The TopicVerticle's state, as JSON, for operators and tests. */
  public static final String TOPICS_STATS = "herald.topics.stats";

  private Addresses() {}

  /** The NetServer verticle instance {@code instance}: takes {@link ToConnections}. */
  public static String connections(String deploymentId, int instance) {
    return "herald.net." + deploymentId + "." + instance;
  }
}
