package io.ephemeral.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Each script carries the parts of the prelude it uses, and only those; every script compiles in a
 * real Redis. (That each part a script calls is there is shown by the suites run on Redis: Redis
 * refuses a script's access to a name it does not define.)
 */
class ScriptsTest {

  private static String source(Scripts script) {
    return new String(script.source, StandardCharsets.UTF_8);
  }

  @Test
  void aScriptCarriesThePreludePartsItNamesAndTheirsButNoOthers() {
    String set = source(Scripts.SET);
    assertThat(set)
        .contains("local function put_item(")
        .contains("local function purge_items(") // named by put_item
        .contains("local function remove_item(") // named by purge_items
        .contains("local base =")
        .doesNotContain("local function next_token(") // leases only
        .doesNotContain("local function drop_ticket(");
    assertThat(source(Scripts.LEASE)).contains("local function next_token(");
    assertThat(set.indexOf("local function remove_item("))
        .as("in the prelude's order: defined before use")
        .isLessThan(set.indexOf("local function purge_items("));
  }

  @Test
  void everyScriptCompilesInRedis() throws Exception {
    for (Scripts script : Scripts.values()) {
      String sha = RedisServer.shared().command("SCRIPT", "LOAD", source(script));
      assertThat(sha).as(script.name).isEqualTo(new String(script.sha1, StandardCharsets.US_ASCII));
    }
  }
}
