package dev.openhands.runtime.orchestrator.provider.local;

import java.time.Instant;
import java.util.Optional;

/**
 * A local sandbox's handle, {@code local/{ip}/{pid}/{start millis}}: enough for any orchestrator process (a
 * restarted one included) to find the process again, and to tell it from an unrelated process that reused its pid.
 */
record LocalTask(String ip, long pid, long startMillis) {

  private static final String PREFIX = "local/";

  static LocalTask of(ProcessHandle process, String ip) {
    long started = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    return new LocalTask(ip, process.pid(), started);
  }

  static Optional<LocalTask> parse(String handle) {
    if (handle == null || !handle.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String[] parts = handle.substring(PREFIX.length()).split("/");
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      return Optional.of(new LocalTask(parts[0], Long.parseLong(parts[1]), Long.parseLong(parts[2])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  String handle() {
    return PREFIX + ip + "/" + pid + "/" + startMillis;
  }

  /** The process, while it runs and is still the one this handle named. */
  Optional<ProcessHandle> process() {
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> p.info().startInstant()
        .map(Instant::toEpochMilli).map(started -> startMillis == 0 || started == startMillis).orElse(true));
  }
}
