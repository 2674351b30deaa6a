package herald.client;

import static org.assertj.core.api.Assertions.assertThat;

import herald.codec.ErrorCode;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HeraldExceptionTest {

  /** invalid_topic -> InvalidTopic: each code has a class of its own, named after it. */
  private static String className(ErrorCode code) {
    return Arrays.stream(code.wire().split("_"))
        .map(w -> Character.toUpperCase(w.charAt(0)) + w.substring(1))
        .collect(Collectors.joining());
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void every_error_code_has_its_own_typed_exception(ErrorCode code) {
    HeraldException.BrokerError e = HeraldException.of(code, "why");
    assertThat(e.getClass().getSimpleName()).isEqualTo(className(code));
    assertThat(e.getClass().getEnclosingClass()).isEqualTo(HeraldException.class);
    assertThat(e.code()).isEqualTo(code.wire());
    assertThat(e.errorCode()).isEqualTo(code);
    assertThat(e.detail()).isEqualTo("why");
    assertThat(e.closesConnection()).isEqualTo(code.closesConnection());
    assertThat(e.getMessage()).isEqualTo(code.wire() + ": why");
    assertThat(HeraldException.fromWire(code.wire(), "why")).isInstanceOf(e.getClass());
  }

  @Test
  void the_classes_for_bad_requests_share_a_parent() {
    assertThat(HeraldException.of(ErrorCode.INVALID_TOPIC, "x")).isInstanceOf(HeraldException.BadRequest.class);
    assertThat(HeraldException.of(ErrorCode.UNKNOWN_FIELD, "x")).isInstanceOf(HeraldException.BadRequest.class);
    assertThat(HeraldException.of(ErrorCode.UNAVAILABLE, "x")).isNotInstanceOf(HeraldException.BadRequest.class);
  }

  @Test
  void a_code_this_client_does_not_know_still_fails_clearly() {
    HeraldException e = HeraldException.fromWire("brand_new", "from a newer broker");
    assertThat(e).isInstanceOf(HeraldException.UnknownCode.class);
    assertThat(e.code()).isEqualTo("brand_new");
    assertThat(e.getMessage()).isEqualTo("brand_new: from a newer broker");
  }
}
