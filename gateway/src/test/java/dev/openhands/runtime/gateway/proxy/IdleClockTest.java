package dev.openhands.runtime.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The idle clock on a channel whose time the test moves: the all-idle events of Netty's IdleStateHandler, at the
 * same times, with a read batch and a flush each counting as activity.
 */
class IdleClockTest {

  final List<IdleStateEvent> events = new ArrayList<>();
  EmbeddedChannel channel;

  @BeforeEach
  void start() {
    channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(new IdleClock(Duration.ofSeconds(10)), new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        events.add((IdleStateEvent) event);
      }
    });
  }

  void advance(long seconds) {
    channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
  }

  @Test
  void aQuietChannelHearsFirstThenAgainEachPeriod() {
    advance(9);
    assertTrue(events.isEmpty(), events.toString());
    advance(1);
    assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events);
    advance(10);
    assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT, IdleStateEvent.ALL_IDLE_STATE_EVENT), events);
  }

  @Test
  void aReadBatchRestartsTheClock() {
    advance(6);
    channel.writeInbound("bytes");
    advance(6);
    assertTrue(events.isEmpty(), "quiet for 6 s only: " + events);
    advance(4);
    assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events);
  }

  @Test
  void aFlushRestartsTheClockButAWriteNotFlushedDoesNot() {
    advance(6);
    channel.write("kept");
    advance(4);
    assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events, "a write not flushed is not activity");
    advance(3);
    channel.flush();
    advance(9);
    assertEquals(1, events.size(), "quiet for 9 s since the flush: " + events);
    advance(1);
    assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT, IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events,
        "activity after an event makes the next one a first again");
  }

  @Test
  void aRemovedClockAndAClosedChannelHearNothing_andLeaveNoTimer() {
    channel.pipeline().remove(IdleClock.class);
    assertEquals(-1, channel.runScheduledPendingTasks(), "no timer left after removal");
    advance(30);
    assertTrue(events.isEmpty(), events.toString());
    start();
    channel.close();
    assertEquals(-1, channel.runScheduledPendingTasks(), "no timer left after close");
    advance(30);
    assertTrue(events.isEmpty(), events.toString());
  }

  @Test
  void oneTimerAPeriod_andAReadInProgressAtTheTickIsActivity() {
    assertEquals(TimeUnit.SECONDS.toNanos(10), channel.runScheduledPendingTasks(), "one timer, due in one period");
    advance(9);
    channel.pipeline().fireChannelRead("first part of a read");
    advance(5);
    assertTrue(events.isEmpty(), "a read under way at the tick is not quiet: " + events);
    channel.pipeline().fireChannelReadComplete();
    advance(9);
    assertTrue(events.isEmpty(), events.toString());
    advance(1);
    assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events, "one event, not one per timer");
  }
}
