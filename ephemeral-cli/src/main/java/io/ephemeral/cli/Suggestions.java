package io.ephemeral.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * "Did you mean" for a mistyped command: the commands within a small edit distance, counting a swap
 * of two neighbouring letters as one edit ({@code gte} → {@code get}, {@code pnig} → {@code ping}),
 * and the commands the word begins ({@code serv} → {@code services}). picocli's own suggestions
 * compare letter pairs, which finds none of those.
 */
final class Suggestions {

  private Suggestions() {}

  /** The candidates close to {@code word}, closest first. */
  static List<String> similar(String word, Collection<String> candidates) {
    int allowed = Math.max(1, word.length() / 3);
    List<String> similar = new ArrayList<>();
    for (String candidate : candidates) {
      if (distance(word, candidate) <= allowed
          || (word.length() >= 2 && candidate.startsWith(word))) {
        similar.add(candidate);
      }
    }
    similar.sort(Comparator.comparingInt(candidate -> distance(word, candidate)));
    return similar;
  }

  /** Edits (insert, delete, replace, swap of neighbours) that turn {@code a} into {@code b}. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
