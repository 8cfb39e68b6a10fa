package io.ephemeral.protocol.issues;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Review issue #20 of the original broker: public methods had no API documentation. Every public or
 * protected type, constructor, method and field of the libraries (every module's {@code
 * src/main/java} except the benchmark tool) must have a doc comment; overriding methods inherit
 * theirs. The sources are parsed with the JDK's compiler API, nothing is compiled.
 */
class ReviewIssue20PublicApiJavadocTest {

  private static Path projectRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("pom.xml"))
          && Files.isDirectory(p.resolve("ephemeral-protocol"))) {
        return p;
      }
    }
    throw new AssertionError("no project root above " + Path.of("").toAbsolutePath());
  }

  private static List<Path> librarySources(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root)) {
      for (Path module :
          modules.filter(m -> m.getFileName().toString().startsWith("ephemeral-")).toList()) {
        Path src = module.resolve("src/main/java");
        if (module.getFileName().toString().equals("ephemeral-bench") || !Files.isDirectory(src)) {
          continue;
        }
        try (Stream<Path> walk = Files.walk(src)) {
          walk.filter(f -> f.toString().endsWith(".java")).forEach(files::add);
        }
      }
    }
    return files;
  }

  @Test
  void everyPublicApiElementIsDocumented() throws IOException {
    Path root = projectRoot();
    List<Path> sources = librarySources(root);
    assertThat(sources).as("sources found").hasSizeGreaterThan(50);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> undocumented = new ArrayList<>();
    try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, UTF_8)) {
      JavacTask task =
          (JavacTask)
              javac.getTask(
                  null,
                  files,
                  null,
                  List.of("-proc:none"),
                  null,
                  files.getJavaFileObjectsFromPaths(sources));
      DocTrees docs = DocTrees.instance(task);
      for (CompilationUnitTree unit : task.parse()) {
        new TreePathScanner<Void, Void>() {
          @Override
          public Void visitClass(ClassTree t, Void v) {
            if (!exposed(getCurrentPath())) {
              return null; // nothing inside a hidden type is API
            }
            check(t.getSimpleName().toString());
            return super.visitClass(t, v);
          }

          @Override
          public Void visitMethod(MethodTree t, Void v) {
            boolean overrides =
                t.getModifiers().getAnnotations().stream()
                    .anyMatch(a -> a.getAnnotationType().toString().equals("Override"));
            if (!overrides && exposed(getCurrentPath())) {
              check(t.getName() + "()");
            }
            return null; // local classes are not API
          }

          @Override
          public Void visitVariable(VariableTree t, Void v) {
            if (getCurrentPath().getParentPath().getLeaf() instanceof ClassTree
                && exposed(getCurrentPath())) {
              check(t.getName().toString());
            }
            return null;
          }

          private void check(String name) {
            if (docs.getDocCommentTree(getCurrentPath()) == null) {
              long line =
                  unit.getLineMap()
                      .getLineNumber(
                          docs.getSourcePositions()
                              .getStartPosition(unit, getCurrentPath().getLeaf()));
              undocumented.add(
                  root.relativize(Path.of(unit.getSourceFile().toUri())) + ":" + line + " " + name);
            }
          }
        }.scan(unit, null);
      }
    }
    assertThat(undocumented).as("public API without a doc comment").isEmpty();
  }

  /**
   * Whether the declaration at path is visible outside its package (and so is every enclosing
   * type).
   */
  private static boolean exposed(TreePath path) {
    for (TreePath p = path;
        p != null && !(p.getLeaf() instanceof CompilationUnitTree);
        p = p.getParentPath()) {
      Tree leaf = p.getLeaf();
      ModifiersTree modifiers;
      if (leaf instanceof ClassTree) {
        modifiers = ((ClassTree) leaf).getModifiers();
      } else if (leaf instanceof MethodTree) {
        modifiers = ((MethodTree) leaf).getModifiers();
      } else if (leaf instanceof VariableTree) {
        modifiers = ((VariableTree) leaf).getModifiers();
      } else {
        return false; // inside a method body, an initializer, ...
      }
      Tree owner = p.getParentPath().getLeaf();
      boolean inInterface =
          owner instanceof ClassTree
              && (owner.getKind() == Tree.Kind.INTERFACE
                  || owner.getKind() == Tree.Kind.ANNOTATION_TYPE);
      boolean enumConstant =
          owner.getKind() == Tree.Kind.ENUM
              && leaf instanceof VariableTree
              && modifiers.getFlags().isEmpty();
      boolean visible =
          modifiers.getFlags().contains(Modifier.PUBLIC)
              || modifiers.getFlags().contains(Modifier.PROTECTED)
              || (inInterface && !modifiers.getFlags().contains(Modifier.PRIVATE))
              || enumConstant;
      if (!visible) {
        return false;
      }
    }
    return true;
  }
}
