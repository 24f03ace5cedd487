// The registry entries of the detectors that need nothing beyond their own class (the lock-order
// detector's entry, with its check across executions, is in lock_order_detector.cpp), and the
// detector set an exploration runs, generated from the entries.
#include "weft/harness/detectors.hpp"

#include <chrono>

#include "weft/harness/core_detectors.hpp"
#include "weft/harness/leak_detector.hpp"
#include "weft/harness/long_poll_detector.hpp"
#include "weft/harness/registry.hpp"

namespace weft {

const DetectorEntry& panic_detector_entry() {
  static const DetectorEntry entry{
      .name = "panic",
      .help = "a task's exception that nobody observed, or the body's own failure",
      .settings = "always on",
      .enabled = [](const ExploreOptions&) { return true; },
      .make = [](const ExploreOptions&, DetectorMode mode) -> std::unique_ptr<Detector> {
        return std::make_unique<PanicDetector>(mode);
      },
      .across = {},
  };
  return entry;
}

const DetectorEntry& stop_detector_entry() {
  static const DetectorEntry entry{
      .name = "stop",
      .help = "deadlocks and hangs (the step or virtual-time limit), with who waits for what",
      .settings = "always on; --max-steps and --max-virtual-time set the limits",
      .enabled = [](const ExploreOptions&) { return true; },
      .make = [](const ExploreOptions&, DetectorMode mode) -> std::unique_ptr<Detector> {
        return std::make_unique<StopDetector>(mode);
      },
      .across = {},
  };
  return entry;
}

const DetectorEntry& swallowed_cancellation_detector_entry() {
  static const DetectorEntry entry{
      .name = "swallowed_cancellation",
      .help = "a dropped task that caught its unwinding and kept going",
      .settings = "always on",
      .enabled = [](const ExploreOptions&) { return true; },
      .make = [](const ExploreOptions&, DetectorMode) -> std::unique_ptr<Detector> {
        return std::make_unique<SwallowedCancellationDetector>();
      },
      .across = {},
  };
  return entry;
}

const DetectorEntry& leak_detector_entry() {
  static const DetectorEntry entry{
      .name = "task_leak",
      .help = "tasks alive after the root returned that can never finish",
      .settings = "--leaks fail or warn (off by default), --leak-grace-ms",
      .enabled = [](const ExploreOptions& o) { return o.leaks != LeakMode::off; },
      .make = [](const ExploreOptions& o, DetectorMode) -> std::unique_ptr<Detector> {
        return std::make_unique<LeakDetector>(o.leaks == LeakMode::warn);
      },
      .across = {},
  };
  return entry;
}

const DetectorEntry& long_poll_detector_entry() {
  static const DetectorEntry entry{
      .name = "long_poll",
      .help = "a task step that held the real thread too long (a blocking call)",
      .settings = "--long-poll-ms (0: off)",
      .enabled = [](const ExploreOptions& o) { return o.long_poll_ms > 0; },
      .make = [](const ExploreOptions& o, DetectorMode) -> std::unique_ptr<Detector> {
        return std::make_unique<LongPollDetector>(std::chrono::milliseconds(o.long_poll_ms));
      },
      .across = {},
  };
  return entry;
}

std::vector<std::unique_ptr<Detector>> make_detectors(const ExploreOptions& options,
                                                      DetectorMode mode) {
  std::vector<std::unique_ptr<Detector>> detectors;
  for (const DetectorEntry* entry : detector_entries())
    if (entry->enabled(options)) detectors.push_back(entry->make(options, mode));
  return detectors;
}

std::optional<Duration> leak_grace(const ExploreOptions& options) {
  if (options.leaks == LeakMode::off) return std::nullopt;
  return std::chrono::milliseconds(options.leak_grace_ms);
}

}  // namespace weft
