package herald.net;

import herald.auth.Permissions;
import java.util.HashMap;

/**
 * One connection's remembered permission answers, per topic, so that a check costs a hash lookup after the
 * first request to a topic. It forgets everything when the permissions object changes (a users-file reload
 * makes new ones), so a reload applies to the next request.
 *
 * <p>Confined to the connection's event loop. Made lazily: anonymous connections with every permission,
 * the common case on a laptop, never allocate it.
 */
final class PermissionCache {

  /**
   * Topics remembered per action. A client that cycles through more topics than this clears the map and
   * starts again, so the cache cannot grow without bound; past it a check still costs only a trie walk.
   */
  static final int MAX_TOPICS = 1_024;

  private Permissions of;
  private HashMap<String, Boolean> publish;
  private HashMap<String, Boolean> subscribe;
  private String lastPublished;
  private boolean lastPublishedOk;

  boolean mayPublish(Permissions p, String topic) {
    sync(p);
    // A publisher usually sends to one topic many times: comparing with the last one is cheaper than hashing
    // the topic (each frame's topic is a new String, so its hash is computed anew) and probing the map.
    if (topic.equals(lastPublished)) {
      return lastPublishedOk;
    }
    Boolean ok = publish.get(topic);
    lastPublishedOk = ok != null ? ok : remember(publish, topic, p.mayPublish(topic));
    lastPublished = topic;
    return lastPublishedOk;
  }

  boolean maySubscribe(Permissions p, String topic) {
    sync(p);
    Boolean ok = subscribe.get(topic);
    return ok != null ? ok : remember(subscribe, topic, p.maySubscribe(topic));
  }

  private void sync(Permissions p) {
    if (p != of) {
      of = p;
      lastPublished = null;
      publish = new HashMap<>();
      subscribe = new HashMap<>();
    }
  }

  private static boolean remember(HashMap<String, Boolean> map, String topic, boolean ok) {
    if (map.size() >= MAX_TOPICS) {
      map.clear();
    }
    map.put(topic, ok);
    return ok;
  }
}
