package dev.openhands.runtime.gateway.ops;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One JSON line per request on standard output, the shape CloudWatch Logs Insights reads field by field.
 * Entries are handed to a writer thread through a bounded lock-free queue; the writer wakes every
 * {@link #WRITE_INTERVAL_NANOS} to format and write what has arrived, so an event loop neither builds the line,
 * nor takes a lock, nor wakes a thread (a blocking queue's lock and wake-ups per request cost the gateway about
 * a fifth of its throughput). When the queue is full a line is dropped and counted. Lines never carry cookies,
 * tokens, query strings or header values other than the trace id and user agent.
 */
public final class AccessLog implements AutoCloseable {

  /** Fields of one line; {@code null} strings and negative numbers are left out. */
  public record Entry(long epochMillis, String requestId, String traceId, String method, String path, String route,
      String conversationId, int port, int status, long bytesIn, long bytesOut, long durationMicros, String peer,
      String userAgent) {}

  /** How long the writer sleeps when the queue is empty: the most a line waits before it is written. */
  static final long WRITE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final Queue<Entry> lines = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final int capacity;
  private final Writer out;
  private final Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closed;

  public AccessLog(OutputStream stream, int capacity) {
    this.capacity = capacity;
    this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 64 * 1024);
    this.writer = new Thread(this::drain, "access-log");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /** Queues the entry; it is formatted and written on the writer thread, never on the caller's. */
  public void log(Entry entry) {
    if (queued.incrementAndGet() > capacity) {
      queued.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    lines.offer(entry);
  }

  /** Lines dropped because the writer fell behind. */
  public long dropped() {
    return dropped.get();
  }

  /** The last time written and its text: lines of the same millisecond share it (writer thread only). */
  private long lastMillis = Long.MIN_VALUE;
  private String lastTime;

  private String time(long epochMillis) {
    if (epochMillis != lastMillis) {
      lastMillis = epochMillis;
      lastTime = Instant.ofEpochMilli(epochMillis).toString();
    }
    return lastTime;
  }

  static String format(Entry e) {
    return format(e, Instant.ofEpochMilli(e.epochMillis()).toString());
  }

  private static String format(Entry e, String time) {
    StringBuilder json = new StringBuilder(320).append('{');
    field(json, "time", time);
    field(json, "type", "access");
    field(json, "request_id", e.requestId());
    field(json, "trace_id", e.traceId());
    field(json, "method", e.method());
    field(json, "path", e.path());
    field(json, "route", e.route());
    field(json, "conversation_id", e.conversationId());
    number(json, "port", e.port());
    number(json, "status", e.status());
    number(json, "bytes_in", e.bytesIn());
    number(json, "bytes_out", e.bytesOut());
    number(json, "duration_us", e.durationMicros());
    field(json, "peer", e.peer());
    field(json, "user_agent", e.userAgent());
    return json.append('}').toString();
  }

  private static void field(StringBuilder json, String name, String value) {
    if (value == null) {
      return;
    }
    separate(json).append('"').append(name).append("\":\"");
    for (int i = 0; i < value.length() && i < 512; i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        json.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        json.append(String.format("\\u%04x", (int) c));
      } else {
        json.append(c);
      }
    }
    json.append('"');
  }

  private static void number(StringBuilder json, String name, long value) {
    if (value >= 0) {
      separate(json).append('"').append(name).append("\":").append(value);
    }
  }

  private static StringBuilder separate(StringBuilder json) {
    return json.length() > 1 ? json.append(',') : json;
  }

  private void drain() {
    try {
      while (true) {
        boolean closing = closed;
        int written = 0;
        for (Entry entry = lines.poll(); entry != null; entry = lines.poll()) {
          queued.decrementAndGet();
          out.write(format(entry, time(entry.epochMillis())));
          out.write('\n');
          written++;
        }
        if (written > 0) {
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

  /** Writes what is queued, then stops the writer. */
  @Override
  public void close() throws InterruptedException {
    closed = true;
    LockSupport.unpark(writer);
    writer.join(2000);
  }
}
