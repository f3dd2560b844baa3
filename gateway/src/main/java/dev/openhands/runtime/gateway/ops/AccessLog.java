package dev.openhands.runtime.gateway.ops;

import dev.openhands.runtime.common.log.JsonLine;
import dev.openhands.runtime.common.log.JsonLine.Name;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One JSON line per request on standard output ({@link JsonLine}), the shape CloudWatch Logs Insights reads.
 * Each thread that logs (an event loop) formats its lines straight to UTF-8 bytes, on its own thread, into a
 * buffer of its own; a writer thread takes each buffer whole every {@link #WRITE_INTERVAL_NANOS} and writes it in
 * one piece. Per request that is one uncontended lock and no allocation beyond the caller's entry: no queue node,
 * no shared counter, no wake-up of another thread (a blocking queue's lock and wake-ups per request cost the gateway
 * about a fifth of its throughput). When a thread already has {@code capacity} lines waiting (the writer fell
 * behind), a line is dropped and counted. Lines never carry cookies, tokens, query strings or header values other
 * than the trace id and user agent.
 */
public final class AccessLog implements AutoCloseable {

  /** Fields of one line; {@code null} strings and negative numbers are left out. */
  public record Entry(long epochMillis, String requestId, String traceId, String method, String path, String route,
      String conversationId, int port, int status, long bytesIn, long bytesOut, long durationMicros, String peer,
      String userAgent) {}

  /** How long the writer sleeps between passes: the most a line waits before it is written. */
  static final long WRITE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private static final String TYPE = "access";

  private final int capacity;
  private final OutputStream out;
  private final List<Lines> allLines = new CopyOnWriteArrayList<>();
  private final FastThreadLocal<Lines> threadLines = new FastThreadLocal<>() {
    @Override
    protected Lines initialValue() {
      Lines lines = new Lines();
      allLines.add(lines);
      return lines;
    }
  };
  private final Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closed;

  /** @param capacity most lines that may wait per logging thread */
  public AccessLog(OutputStream stream, int capacity) {
    this.capacity = capacity;
    this.out = new BufferedOutputStream(stream, 64 * 1024);
    this.writer = new Thread(this::drain, "access-log");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /** Formats the entry into the calling thread's waiting lines; the writer thread writes them. */
  public void log(Entry entry) {
    if (closed || !threadLines.get().add(entry)) {
      dropped.incrementAndGet();
    }
  }

  /** Lines dropped because the writer fell behind (or came after close). */
  public long dropped() {
    return dropped.get();
  }

  private static final Name REQUEST_ID = Name.of("request_id");
  private static final Name TRACE_ID = Name.of("trace_id");
  private static final Name METHOD = Name.of("method");
  private static final Name PATH = Name.of("path");
  private static final Name ROUTE = Name.of("route");
  private static final Name CONVERSATION_ID = Name.of("conversation_id");
  private static final Name PORT = Name.of("port");
  private static final Name STATUS = Name.of("status");
  private static final Name BYTES_IN = Name.of("bytes_in");
  private static final Name BYTES_OUT = Name.of("bytes_out");
  private static final Name DURATION_US = Name.of("duration_us");
  private static final Name PEER = Name.of("peer");
  private static final Name USER_AGENT = Name.of("user_agent");

  /** Adds the entry's fields to {@code line}, begun with its time. */
  private static JsonLine fields(JsonLine line, Entry e) {
    return line
        .field(REQUEST_ID, e.requestId())
        .field(TRACE_ID, e.traceId())
        .field(METHOD, e.method())
        .field(PATH, e.path())
        .field(ROUTE, e.route())
        .field(CONVERSATION_ID, e.conversationId())
        .number(PORT, e.port())
        .number(STATUS, e.status())
        .number(BYTES_IN, e.bytesIn())
        .number(BYTES_OUT, e.bytesOut())
        .number(DURATION_US, e.durationMicros())
        .field(PEER, e.peer())
        .field(USER_AGENT, e.userAgent());
  }

  private void drain() {
    try {
      while (true) {
        boolean closing = closed;
        boolean written = false;
        for (Lines lines : allLines) {
          written |= lines.writeWaiting(out);
        }
        if (written) {
          out.flush();
        }
        if (closing) {
          return;
        }
        LockSupport.parkNanos(this, WRITE_INTERVAL_NANOS);
      }
    } catch (IOException e) {
      System.err.println("access log: cannot write: " + e);
    }
  }

  /**
   * Writes what is waiting, then stops the writer. The logging threads keep only an empty {@code Lines} of a closed
   * log (a warm-up's): its buffers go.
   */
  @Override
  public void close() throws InterruptedException {
    closed = true;
    LockSupport.unpark(writer);
    writer.join(2000);
    allLines.forEach(Lines::discard);
  }

  /**
   * The lines one thread formatted that wait for the writer, in a buffer the writer swaps for an empty one. The
   * lock is the logging thread's but for the writer's swap every {@link #WRITE_INTERVAL_NANOS}.
   */
  private final class Lines {
    private final JsonLine line = JsonLine.of("", TYPE);
    private Buffer waiting = new Buffer(16 * 1024);
    private Buffer spare = new Buffer(16 * 1024);
    private int count;
    /** The last time formatted and its text: lines of the same millisecond share it. */
    private long lastMillis = Long.MIN_VALUE;
    private String lastTime;
    /** The last second formatted, without its {@code Z} ({@code 2026-12-04T19:52:37}), for each of its milliseconds. */
    private long lastSecond = Long.MIN_VALUE;
    private String secondPrefix;

    /** Formats the entry; {@code false} when {@code capacity} lines already wait. */
    synchronized boolean add(Entry entry) {
      if (count >= capacity) {
        return false;
      }
      try {
        fields(line.begin(time(entry.epochMillis()), TYPE), entry).writeTo(waiting);
      } catch (IOException cannot) {
        throw new UncheckedIOException(cannot); // a byte buffer does not fail
      }
      count++;
      return true;
    }

    /**
     * As {@code Instant.ofEpochMilli(epochMillis).toString()}; the date and time of day are formatted once a second.
     */
    private String time(long epochMillis) {
      if (epochMillis != lastMillis || lastTime == null) {
        lastMillis = epochMillis;
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != lastSecond) {
          lastSecond = second;
          String whole = Instant.ofEpochSecond(second).toString();
          secondPrefix = whole.substring(0, whole.length() - 1); // without its "Z"
        }
        int millis = (int) Math.floorMod(epochMillis, 1000);
        lastTime = millis == 0 ? secondPrefix + 'Z' : secondPrefix + '.' + (char) ('0' + millis / 100)
            + (char) ('0' + millis / 10 % 10) + (char) ('0' + millis % 10) + 'Z';
      }
      return lastTime;
    }

    /** Drops the buffers of a closed log. */
    synchronized void discard() {
      waiting = new Buffer(0);
      spare = null;
      count = 0;
    }

    /** Writes the waiting lines (writer thread only); {@code false} when none waited. */
    boolean writeWaiting(OutputStream to) throws IOException {
      Buffer taken;
      synchronized (this) {
        if (count == 0) {
          return false;
        }
        taken = waiting;
        waiting = spare;
        spare = null;
        count = 0;
      }
      taken.writeTo(to);
      taken.reset();
      synchronized (this) {
        spare = taken;
      }
      return true;
    }
  }

  /** An unsynchronized byte buffer (a {@code ByteArrayOutputStream} locks on every write). */
  private static final class Buffer extends OutputStream {
    private byte[] bytes;
    private int length;

    Buffer(int capacity) {
      bytes = new byte[capacity];
    }

    @Override
    public void write(int b) {
      ensure(1);
      bytes[length++] = (byte) b;
    }

    @Override
    public void write(byte[] from, int offset, int count) {
      ensure(count);
      System.arraycopy(from, offset, bytes, length, count);
      length += count;
    }

    private void ensure(int more) {
      if (length + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
      }
    }

    void writeTo(OutputStream to) throws IOException {
      to.write(bytes, 0, length);
    }

    void reset() {
      length = 0;
    }
  }
}
