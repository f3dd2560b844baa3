package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * The upstream's final response on its way to the client's: its head with the rules of row 12, put on just before
 * the first write; its body parts gathered over one read from the upstream socket and written together when that
 * read ends, or sooner past {@link #MAX_PARTS} parts or {@link #MAX_BYTES} (the client's connection flushes each write
 * it is given outside its own reads: one write per part would be one send per part); its trailers. A head or trailer
 * that cannot be sent is answered by throwing {@link GatewayFailure}, with nothing of it written.
 */
final class ClientResponse {

  /** Most body parts one write gathers (a composite buffer copies its parts together past its limit). */
  private static final int MAX_PARTS = 16;
  /** Body bytes past which what was gathered is written at once, so that a long read does not wait whole. */
  private static final int MAX_BYTES = 256 * 1024;

  private final HttpServerResponse response;
  private final Upstream upstream;
  private final boolean head;
  private HttpResponse pendingHead;
  /** Body parts of the read under way, not written yet. */
  private CompositeByteBuf gathered;

  /** @param head whether the request was a HEAD (its answer has no body, whatever its head says) */
  ClientResponse(HttpServerResponse response, Upstream upstream, boolean head) {
    this.response = response;
    this.upstream = upstream;
    this.head = head;
  }

  /** The final head: it waits for the end of its read, or for the first body write. */
  void hold(HttpResponse finalHead) {
    pendingHead = finalHead;
  }

  /**
   * Gathers one body part; writes what was gathered once it is large.
   *
   * @return whether it wrote (back-pressure is then to be checked)
   */
  boolean add(ByteBuf part) {
    if (!part.isReadable()) {
      part.release();
      return false;
    }
    if (gathered == null) {
      gathered = part.alloc().compositeBuffer(MAX_PARTS);
    }
    gathered.addComponent(true, part);
    if (gathered.numComponents() < MAX_PARTS && gathered.readableBytes() < MAX_BYTES) {
      return false;
    }
    writeGathered();
    return true;
  }

  /**
   * At the end of a read from the upstream: writes what it brought, or the head alone if it brought no body.
   *
   * @return whether it wrote
   */
  boolean readComplete() {
    if (writeWhatCame()) {
      return true;
    }
    if (pendingHead != null) {
      applyHead();
      response.writeHead();
      return true;
    }
    return false;
  }

  /**
   * Writes the parts gathered so far, if any: what came before a part that broke goes on.
   *
   * @return whether it wrote
   */
  boolean writeWhatCame() {
    if (gathered == null) {
      return false;
    }
    writeGathered();
    return true;
  }

  /**
   * The last part, after what was gathered, with the head and the trailers on the response: what {@link #end} sends.
   */
  ByteBuf last(LastHttpContent last) {
    ByteBuf data = withGathered(last.content());
    try {
      MultiMap trailers = trailers(last);
      applyHead();
      if (trailers != null && response.isChunked()) {
        response.trailers().addAll(trailers);
      }
    } catch (GatewayFailure failure) {
      data.release();
      throw failure;
    }
    return data;
  }

  /** The trailers to pass on, checked before anything of the head is on the response; {@code null} for none. */
  private static MultiMap trailers(LastHttpContent last) {
    if (last.trailingHeaders().isEmpty()) {
      return null;
    }
    MultiMap trailers = HeadersMultiMap.httpHeaders();
    try {
      ForwardedHeaders.copyTrailers(last.trailingHeaders(), trailers);
    } catch (IllegalArgumentException invalid) {
      throw new GatewayFailure(502, "the upstream sent an invalid trailer", invalid);
    }
    return trailers;
  }

  /** Ends the response with {@code data}, what {@link #last} returned. */
  void end(ByteBuf data) {
    if (data.isReadable()) {
      response.end(BufferInternal.buffer(data)).onComplete(written -> data.release());
    } else {
      data.release();
      response.end();
    }
  }

  /** Drops what was gathered (the exchange failed). */
  void discard() {
    if (gathered != null) {
      gathered.release();
      gathered = null;
    }
  }

  private void writeGathered() {
    applyHead(); // when it fails, the parts stay gathered until the exchange discards them
    CompositeByteBuf data = gathered;
    gathered = null;
    response.write(BufferInternal.buffer(data)).onComplete(written -> data.release());
  }

  private ByteBuf withGathered(ByteBuf last) {
    CompositeByteBuf parts = gathered;
    if (parts == null) {
      return last;
    }
    gathered = null;
    if (last.isReadable()) {
      parts.addComponent(true, last);
    } else {
      last.release();
    }
    return parts;
  }

  /** Puts the upstream's head on the client's response, with the rules of row 12, just before it is written. */
  private void applyHead() {
    HttpResponse responseHead = pendingHead;
    pendingHead = null;
    if (responseHead == null) {
      return;
    }
    try {
      ForwardedHeaders.copyResponseHeaders(responseHead.headers(), response.headers());
    } catch (IllegalArgumentException invalid) {
      response.headers().clear();
      throw new GatewayFailure(502, "the upstream sent an invalid response header", invalid);
    }
    upstream.applyResponseRules(response.headers());
    int status = responseHead.status().code();
    response.setStatusCode(status).setStatusMessage(responseHead.status().reasonPhrase());
    if (!response.headers().contains("Content-Length") && mayHaveBody(status)) {
      response.setChunked(true);
    }
  }

  private boolean mayHaveBody(int status) {
    return !(status < 200 || status == 204 || status == 304 || head);
  }
}
