package herald.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import herald.wire.TestUsers;
import herald.wire.WireClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The users file's schema: what is accepted, and that each mistake is named. */
class UsersTest {

  private static final String HASH = TestUsers.hash("pw");

  @Test
  void aValidFileIsRead() {
    Users users = Users.parse(WireClient.json("{'users':[{'name':'alice','password':'" + HASH + "','permissions':"
        + "{'publish':['orders.>'],'subscribe':{'allow':['>'],'deny':['secret.>']}}},{'name':'cert-only'}]}"), "f");
    assertThat(users.size()).isEqualTo(2);
    Permissions alice = users.get("alice").permissions();
    assertThat(alice.mayPublish("orders.eu")).isTrue();
    assertThat(alice.mayPublish("news")).isFalse();
    assertThat(alice.maySubscribe("news")).isTrue();
    assertThat(alice.maySubscribe("secret.plans")).isFalse();
    assertThat(users.get("cert-only").passwordHash()).isNull();
    assertThat(users.get("cert-only").permissions().maySubscribe("news")).isFalse();
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "{'users':[{'name':'a','password':'hunter2'}]} | plaintext passwords are refused",
      "{'users':[{'name':'a','password':'$2x$10$abc'}]} | not a bcrypt hash",
      "{'users':[{'name':'a'},{'name':'a'}]} | listed twice",
      "{'users':[{'name':''}]} | non-empty string",
      "{'users':[{'name':'a','pasword':'x'}]} | unknown field \"pasword\"",
      "{'users':[{'name':'a','permissions':{'publish':['a.>.b']}}]} | '>' may only be the last token",
      "{'users':[{'name':'a','permissions':{'pub':['a']}}]} | unknown permissions field \"pub\"",
      "{'users':[{'name':'a','permissions':{'publish':{'allow':['a'],'refuse':['b']}}}]} | unknown field \"refuse\"",
      "{'users':{}} | must be a list",
      "{'user':[]} | unknown field \"user\"",
      "[1] | not a JSON object",
  })
  void mistakesAreNamed(String json, String message) {
    assertThatThrownBy(() -> Users.parse(WireClient.json(json), "users.json"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message).hasMessageNotContaining("hunter2");
  }
}
