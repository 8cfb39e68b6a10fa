package io.ephemeral.cli;

import io.ephemeral.broker.BrokerPlugin;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Broker plugins from jars named with {@code --plugin}, found with {@link ServiceLoader}. */
final class Plugins {
  private Plugins() {}

  /**
   * @throws IllegalArgumentException naming the jar when it is missing, unreadable, declares no
   *     plugin, or a plugin cannot be created
   */
  static List<BrokerPlugin> load(List<Path> jars) {
    List<BrokerPlugin> plugins = new ArrayList<>();
    for (Path jar : jars) {
      if (!Files.isRegularFile(jar)) {
        throw new IllegalArgumentException("--plugin " + jar + ": no such file");
      }
      URL url;
      try {
        url = jar.toUri().toURL();
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("--plugin " + jar + ": " + e.getMessage(), e);
      }
      // The loader stays open for the life of the broker: the plugin's classes are used by it.
      URLClassLoader loader = new URLClassLoader(new URL[] {url}, Plugins.class.getClassLoader());
      int before = plugins.size();
      try {
        for (BrokerPlugin plugin : ServiceLoader.load(BrokerPlugin.class, loader)) {
          plugins.add(plugin);
        }
      } catch (ServiceConfigurationError e) {
        throw new IllegalArgumentException("--plugin " + jar + ": " + e.getMessage(), e);
      }
      if (plugins.size() == before) {
        throw new IllegalArgumentException(
            "--plugin "
                + jar
                + ": declares no plugin (META-INF/services/io.ephemeral.broker.BrokerPlugin)");
      }
    }
    return plugins;
  }
}
