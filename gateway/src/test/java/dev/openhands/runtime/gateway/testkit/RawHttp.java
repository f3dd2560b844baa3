package dev.openhands.runtime.gateway.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** HTTP/1.1 read and written byte for byte over a raw socket: what a test needs to see exactly what was sent. */
public final class RawHttp {

  private RawHttp() {}

  /** One answer: its 1xx answers first, then the final status, headers, body and trailers. */
  public record Response(List<Integer> informational, int status, Map<String, String> headers, String body,
      Map<String, String> trailers) {}

  /** A raw HTTP/1.1 client on one connection. */
  public static class Client implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;

    public Client(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(5000);
      in = new BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    /** The connection's input, for a test that reads an answer in its own way. */
    public InputStream in() {
      return in;
    }

    public void write(String raw) throws IOException {
      out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    /** The next head only, a 1xx one included. */
    public Response readInterim() throws IOException {
      int status = Integer.parseInt(line(in).substring(9, 12));
      return new Response(List.of(), status, headers(in), "", Map.of());
    }

    /** The next final answer, with any 1xx before it; {@code head} for the answer to a HEAD. */
    public Response read(boolean head) throws IOException {
      List<Integer> informational = new ArrayList<>();
      while (true) {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = headers(in);
        if (status >= 100 && status < 200) {
          informational.add(status);
          continue;
        }
        if (head || status == 204 || status == 304) {
          return new Response(informational, status, headers, "", Map.of());
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
          ByteArrayOutputStream body = new ByteArrayOutputStream();
          while (true) {
            int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
            if (size == 0) {
              return new Response(informational, status, headers, body.toString(StandardCharsets.UTF_8),
                  headers(in));
            }
            body.write(in.readNBytes(size));
            line(in);
          }
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "-1"));
        byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
        return new Response(informational, status, headers, new String(body, StandardCharsets.UTF_8), Map.of());
      }
    }

    /** Closes the sending side only (a half-close: FIN after the requests); the answers can still be read. */
    public void finishSending() throws IOException {
      socket.shutdownOutput();
    }

    /** Everything left until the peer closes the connection (or resets it), within the read timeout. */
    public String readToClose() throws IOException {
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      try {
        for (int b = in.read(); b >= 0; b = in.read()) {
          rest.write(b);
        }
      } catch (SocketException reset) {
        // a reset ends the connection too
      }
      return rest.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** One line, without its CR LF. */
  public static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\n') {
      if (b < 0) {
        throw new IOException("connection closed mid-line: '" + line + "'");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  /** A head's header fields, names lower-cased, up to the empty line. */
  public static Map<String, String> headers(InputStream in) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String line = line(in); !line.isEmpty(); line = line(in)) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    return headers;
  }
}
