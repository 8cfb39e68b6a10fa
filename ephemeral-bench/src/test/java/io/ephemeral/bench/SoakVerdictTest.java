package io.ephemeral.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's verdict: first window against last window, for heap after GC and open fds. */
class SoakVerdictTest {

  private static List<long[]> samples(long heapStep, long fdStep) {
    List<long[]> samples = new ArrayList<>();
    for (int s = 1; s <= 600; s++) {
      // A sawtooth around 8 MB, as a store churning through expiry looks, plus any trend.
      long heap = (8L << 20) + (s % 7) * 100_000 + s * heapStep;
      samples.add(new long[] {s, heap, 40 + (s % 3) + s * fdStep / 100, s * 1000L, s / 10});
    }
    return samples;
  }

  private static String[] run(List<long[]> samples, int[] status) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    status[0] = Soak.verdict(samples, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8).split("\n");
  }

  @Test
  void flatHeapAndDescriptorsPass() {
    int[] status = new int[1];
    String[] lines = run(samples(0, 0), status);
    assertThat(status[0]).isZero();
    assertThat(lines[1]).contains("first 60 s").endsWith(": ok");
    assertThat(lines[2]).endsWith(": ok");
  }

  @Test
  void aHeapGrowingBy5KbASecondFails() {
    int[] status = new int[1];
    String[] lines =
        run(samples(5_000, 0), status); // 3 MB over ten minutes: above 10% + 1 MiB of about 9 MB
    assertThat(status[0]).isEqualTo(1);
    assertThat(lines[1]).endsWith("GROWING");
    assertThat(lines[2]).endsWith(": ok");
  }

  @Test
  void aDescriptorLeakFails() {
    int[] status = new int[1];
    String[] lines = run(samples(0, 3), status); // one leaked fd every 33 s: 18 over ten minutes
    assertThat(status[0]).isEqualTo(1);
    assertThat(lines[1]).endsWith(": ok");
    assertThat(lines[2]).endsWith("GROWING");
  }
}
