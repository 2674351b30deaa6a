package herald.topic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SubscriptionIndexTest {

  private final SubscriptionIndex<String, String> index = new SubscriptionIndex<>();

  @Test
  void addIsIdempotentAndKeepsTheFirstSubscription() {
    assertThat(index.add("c1", "a", "first")).isTrue();
    assertThat(index.add("c1", "a", "second")).isFalse();

    assertThat(index.get("c1", "a")).isEqualTo("first");
    assertThat(index.subscribers("a")).containsExactly("first");
    assertThat(index.subscriptionCount()).isEqualTo(1);
    assertThat(index.subscriberCount()).isEqualTo(1);
    assertThat(index.topicCount()).isEqualTo(1);
    assertThat(index.count("c1")).isEqualTo(1);
  }

  @Test
  void countsFollowAddsAcrossKeysAndTopics() {
    index.add("c1", "a", "c1a");
    index.add("c1", "b", "c1b");
    index.add("c2", "a", "c2a");
    index.add("c3", "c", "c3c");

    assertThat(index.subscriptionCount()).isEqualTo(4);
    assertThat(index.subscriberCount()).isEqualTo(3);
    assertThat(index.topicCount()).isEqualTo(3);
    assertThat(index.count("c1")).isEqualTo(2);
    assertThat(index.count("c2")).isEqualTo(1);
    assertThat(index.count("nobody")).isZero();
    assertThat(index.get("c2", "a")).isEqualTo("c2a");
    assertThat(index.get("c2", "b")).isNull();
    assertThat(index.get("nobody", "a")).isNull();
    assertThat(index.hasSubscribers("a")).isTrue();
    assertThat(index.hasSubscribers("z")).isFalse();
    assertThat(index.subscribers("z")).isEmpty();
  }

  @Test
  void subscribersComeInTheOrderTheySubscribed() {
    index.add("c3", "t", "s3");
    index.add("c1", "t", "s1");
    index.add("c2", "t", "s2");
    index.add("c1", "other", "x");

    assertThat(index.subscribers("t")).containsExactly("s3", "s1", "s2");

    index.remove("c3", "t");
    index.add("c3", "t", "s3-again");
    assertThat(index.subscribers("t")).containsExactly("s1", "s2", "s3-again");
  }

  @Test
  void removeReturnsTheSubscriptionAndForgetsIt() {
    index.add("c1", "a", "c1a");
    index.add("c2", "a", "c2a");

    assertThat(index.remove("c1", "a")).isEqualTo("c1a");

    assertThat(index.get("c1", "a")).isNull();
    assertThat(index.subscribers("a")).containsExactly("c2a");
    assertThat(index.subscriptionCount()).isEqualTo(1);
    assertThat(index.subscriberCount()).isEqualTo(1);
    assertThat(index.count("c1")).isZero();
    assertThat(index.add("c1", "a", "c1a-again")).isTrue();
  }

  @Test
  void removingWhatIsNotHeldReturnsNullAndChangesNothing() {
    index.add("c1", "a", "c1a");

    assertThat(index.remove("c1", "b")).isNull();
    assertThat(index.remove("c2", "a")).isNull();

    assertThat(index.subscriptionCount()).isEqualTo(1);
    assertThat(index.subscriberCount()).isEqualTo(1);
    assertThat(index.topicCount()).isEqualTo(1);
    assertThat(index.subscribers("a")).containsExactly("c1a");
  }

  @Test
  void removingTheLastSubscriberOfATopicLeavesNoEntry() {
    index.add("c1", "a", "c1a");
    index.add("c2", "a", "c2a");

    index.remove("c1", "a");
    index.remove("c2", "a");

    assertThat(index.topicCount()).isZero();
    assertThat(index.subscriberCount()).isZero();
    assertThat(index.subscriptionCount()).isZero();
    assertThat(index.hasSubscribers("a")).isFalse();
    assertThat(index.subscribers("a")).isEmpty();
  }

  @Test
  void removeAllReturnsEverythingTheKeyHeldAndLeavesNoEmptyTopics() {
    index.add("c1", "a", "c1a");
    index.add("c1", "b", "c1b");
    index.add("c1", "c", "c1c");
    index.add("c2", "b", "c2b");

    assertThat(index.removeAll("c1")).containsExactlyInAnyOrder("c1a", "c1b", "c1c");

    assertThat(index.count("c1")).isZero();
    assertThat(index.subscriptionCount()).isEqualTo(1);
    assertThat(index.subscriberCount()).isEqualTo(1);
    assertThat(index.topicCount()).isEqualTo(1);
    assertThat(index.hasSubscribers("a")).isFalse();
    assertThat(index.hasSubscribers("c")).isFalse();
    assertThat(index.subscribers("b")).containsExactly("c2b");

    assertThat(index.removeAll("c2")).containsExactly("c2b");
    assertThat(index.topicCount()).isZero();
    assertThat(index.subscriberCount()).isZero();
    assertThat(index.subscriptionCount()).isZero();
  }

  @Test
  void removeAllOfAnUnknownKeyIsEmpty() {
    index.add("c1", "a", "c1a");

    assertThat(index.removeAll("nobody")).isEmpty();
    assertThat(index.subscriptionCount()).isEqualTo(1);
  }

  @Test
  void manyKeysComingAndGoingLeaveTheIndexEmpty() {
    for (int k = 0; k < 1_000; k++) {
      for (int t = 0; t < 5; t++) {
        assertThat(index.add("c" + k, "topic" + ((k + t) % 50), k + "/" + t)).isTrue();
      }
    }
    assertThat(index.subscriptionCount()).isEqualTo(5_000);
    assertThat(index.topicCount()).isEqualTo(50);
    assertThat(index.subscribers("topic0")).hasSize(100);

    for (int k = 0; k < 1_000; k++) {
      if (k % 2 == 0) {
        assertThat(index.removeAll("c" + k)).hasSize(5);
      } else {
        for (int t = 0; t < 5; t++) {
          assertThat(index.remove("c" + k, "topic" + ((k + t) % 50))).isEqualTo(k + "/" + t);
        }
      }
    }

    assertThat(index.subscriptionCount()).isZero();
    assertThat(index.subscriberCount()).isZero();
    assertThat(index.topicCount()).isZero();
  }
}
