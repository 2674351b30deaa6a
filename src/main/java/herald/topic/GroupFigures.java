package herald.topic;

import io.vertx.core.json.JsonObject;

/** A group's figures as {@code stats} and the API show them. */
public final class GroupFigures {

  private GroupFigures() {}

  /** {@code end} is the seq the topic's next message gets. */
  public static JsonObject of(Group g, long end) {
    return new JsonObject()
        .put("pending", g.pending(end))
        .put("unacked", g.unacked())
        .put("acked", g.acked())
        .put("redelivered", g.redelivered())
        .put("dead_lettered", g.deadLetteredCount())
        .put("expired", g.expired());
  }
}
