package io.gatehouse.transport.auth.audit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only file, mode 0600 from creation, rolled by size into {@code name.1 … name.N}: the
 * audit log's decisions file and its refusals file. Single writer (the audit thread); each line
 * is one write. Sizes and backup counts come from the owner's settings ({@link AuditLog}).
 */
final class RollingFile implements AutoCloseable {
private static final Logger log = LoggerFactory.getLogger(RollingFile.class);

  private final Path path;
  private final long maxBytes;
  private final int backups;
  private FileChannel channel;
  private long size;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream(16 * 1024);

  RollingFile(Path path, long maxBytes, int backups) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    this.path = path;
    this.maxBytes = maxBytes;
    this.backups = backups;
    open();
  }

  private void open() throws IOException {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    FileAttribute<?>[] attrs =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
            : new FileAttribute<?>[0];
    channel =
        FileChannel.open(
            path,
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
            attrs);
    size = channel.size();
  }

  void append(String line) throws IOException {
    append(List.of(line));
  }

  /** Appends {@code lines}, one write per run of lines between rolls. */
  void append(List<String> lines) throws IOException {
    if (channel == null) {
      open(); // a previous roll failed half-way; try again
    }
    pending.reset();
    for (String line : lines) {
      byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
      long written = size + pending.size();
      if (written > 0 && written + bytes.length > maxBytes) {
        writePending();
        roll();
      }
      pending.write(bytes, 0, bytes.length);
    }
    writePending();
  }

  private void writePending() throws IOException {
    if (pending.size() == 0) {
      return;
    }
    ByteBuffer buffer = ByteBuffer.wrap(pending.toByteArray());
    pending.reset();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    size += buffer.limit();
  }

  private void roll() throws IOException {
    channel.close();
    channel = null;
    if (backups == 0) {
      Files.delete(path);
    } else {
      Files.deleteIfExists(backup(backups));
      for (int i = backups - 1; i >= 1; i--) {
        if (Files.exists(backup(i))) {
          Files.move(backup(i), backup(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(path, backup(1), StandardCopyOption.REPLACE_EXISTING);
    }
    open();
  }

  private Path backup(int i) {
    return path.resolveSibling(path.getFileName() + "." + i);
  }

  public void close() {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      log.warn("cannot close {}: {}", path, e.toString());
    }
  }
}
