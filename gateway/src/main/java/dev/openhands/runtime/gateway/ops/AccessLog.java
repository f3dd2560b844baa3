package dev.openhands.runtime.gateway.ops;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One JSON line per request on standard output, the shape CloudWatch Logs Insights reads field by field.
 * Entries are handed to a writer thread through a bounded queue, which formats and writes them, so an event
 * loop neither builds the line nor waits on the log;
 * when the queue is full a line is dropped and counted. Lines never carry cookies, tokens, query strings
 * or header values other than the trace id and user agent.
 */
public final class AccessLog implements AutoCloseable {

  /** Fields of one line; {@code null} strings and negative numbers are left out. */
  public record Entry(long epochMillis, String requestId, String traceId, String method, String path, String route,
      String conversationId, int port, int status, long bytesIn, long bytesOut, long durationMicros, String peer,
      String userAgent) {}

  private final BlockingQueue<Entry> lines;
  private final Writer out;
  private final Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closed;

  public AccessLog(OutputStream stream, int capacity) {
    this.lines = new ArrayBlockingQueue<>(capacity);
    this.out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 64 * 1024);
    this.writer = new Thread(this::drain, "access-log");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /** Queues the entry; it is formatted and written on the writer thread, never on the caller's. */
  public void log(Entry entry) {
    if (!lines.offer(entry)) {
      dropped.incrementAndGet();
    }
  }

  /** Lines dropped because the writer fell behind. */
  public long dropped() {
    return dropped.get();
  }

  static String format(Entry e) {
    StringBuilder json = new StringBuilder(320).append('{');
    field(json, "time", Instant.ofEpochMilli(e.epochMillis()).toString());
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
    List<Entry> batch = new ArrayList<>(256);
    try {
      while (!closed || !lines.isEmpty()) {
        Entry first = lines.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        lines.drainTo(batch, 1023);
        for (Entry entry : batch) {
          out.write(format(entry));
          out.write('\n');
        }
        out.flush();
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      System.err.println("access log: cannot write: " + e);
    }
  }

  /** Writes what is queued, then stops the writer. */
  @Override
  public void close() throws InterruptedException {
    closed = true;
    writer.join(2000);
  }
}
