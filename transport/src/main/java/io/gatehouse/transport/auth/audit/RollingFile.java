package io.gatehouse.transport.auth.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
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
  private final Pending pending = new Pending();

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
    start();
    for (String line : lines) {
      appendLine(line, 0, line.length());
    }
    writePending();
  }

  /**
   * Appends the {@code count} lines of {@code text} that end (exclusive) at {@code ends.applyAsInt(i)}, the
   * first starting at 0: one write per run of lines between rolls, no string per line.
   */
  void append(CharSequence text, int count, java.util.function.IntUnaryOperator ends) throws IOException {
    start();
    int from = 0;
    for (int i = 0; i < count; i++) {
      int to = ends.applyAsInt(i);
      appendLine(text, from, to);
      from = to;
    }
    writePending();
  }

  private void start() throws IOException {
    if (channel == null) {
      open(); // a previous roll failed half-way; try again
    }
    pending.reset();
  }

  /** Adds chars [from, to) of {@code text} and a newline, rolling first when they would not fit. */
  private void appendLine(CharSequence text, int from, int to) throws IOException {
    long length = Pending.length(text, from, to) + 1;
    long written = size + pending.size();
    if (written > 0 && written + length > maxBytes) {
      writePending();
      roll();
    }
    pending.encode(text, from, to);
    pending.write('\n');
  }

  private void writePending() throws IOException {
    if (pending.size() == 0) {
      return;
    }
    ByteBuffer buffer = pending.buffer();
    try {
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      size += buffer.limit();
    } finally {
      pending.reset(); // written or failed: either way these bytes are done with
    }
  }

  /**
   * The write buffer, reused from batch to batch (its bytes are written without a copy), with
   * the UTF-8 encoder of {@link String#getBytes(java.nio.charset.Charset)}: an unpaired surrogate
   * becomes {@code '?'}, so a line's bytes are those of {@code line.getBytes(UTF_8)}.
   */
  static final class Pending {
    private static final int INITIAL = 16 * 1024;
    /** Past this size, the buffer is not kept for the next batch. */
    private static final int RETAINED_BYTES = 1 << 20;

    private byte[] buf = new byte[INITIAL];
    private int count;

    int size() {
      return count;
    }

    void reset() {
      count = 0;
      if (buf.length > RETAINED_BYTES) {
        buf = new byte[INITIAL];
      }
    }

    ByteBuffer buffer() {
      return ByteBuffer.wrap(buf, 0, count);
    }

    void write(int b) {
      if (count == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[count++] = (byte) b;
    }

    /** The UTF-8 length of chars [from, to) of {@code text}, as {@link #encode} writes them. */
    static int length(CharSequence text, int from, int to) {
      int n = 0;
      for (int i = from; i < to; i++) {
        char c = text.charAt(i);
        if (c < 0x80) {
          n += 1;
        } else if (c < 0x800) {
          n += 2;
        } else if (Character.isHighSurrogate(c) && i + 1 < to
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          n += 4;
          i++;
        } else if (Character.isSurrogate(c)) {
          n += 1; // '?'
        } else {
          n += 3;
        }
      }
      return n;
    }

    /** Appends chars [from, to) of {@code text} in UTF-8. */
    void encode(CharSequence text, int from, int to) {
      int need = length(text, from, to);
      if (count + need > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + need));
      }
      byte[] b = buf;
      int p = count;
      for (int i = from; i < to; i++) {
        char c = text.charAt(i);
        if (c < 0x80) {
          b[p++] = (byte) c;
        } else if (c < 0x800) {
          b[p++] = (byte) (0xc0 | (c >> 6));
          b[p++] = (byte) (0x80 | (c & 0x3f));
        } else if (Character.isHighSurrogate(c) && i + 1 < to
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, text.charAt(++i));
          b[p++] = (byte) (0xf0 | (cp >> 18));
          b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
          b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
          b[p++] = (byte) (0x80 | (cp & 0x3f));
        } else if (Character.isSurrogate(c)) {
          b[p++] = '?';
        } else {
          b[p++] = (byte) (0xe0 | (c >> 12));
          b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
          b[p++] = (byte) (0x80 | (c & 0x3f));
        }
      }
      count = p;
    }
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
