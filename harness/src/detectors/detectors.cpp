// Which detectors run: panics, deadlocks/hangs and swallowed cancellations always; lock order,
// leaks and long polls as the options say.
#include "weft/harness/detectors.hpp"

#include <chrono>

#include "weft/harness/core_detectors.hpp"
#include "weft/harness/leak_detector.hpp"
#include "weft/harness/lock_order_detector.hpp"
#include "weft/harness/long_poll_detector.hpp"

namespace weft {

std::vector<std::unique_ptr<Detector>> make_detectors(const ExploreOptions& options,
                                                      DetectorMode mode) {
  std::vector<std::unique_ptr<Detector>> detectors;
  detectors.push_back(std::make_unique<PanicDetector>(mode));
  detectors.push_back(std::make_unique<StopDetector>(mode));
  detectors.push_back(std::make_unique<SwallowedCancellationDetector>());
  if (options.lock_order) detectors.push_back(std::make_unique<LockOrderDetector>());
  if (options.leaks != "off")
    detectors.push_back(std::make_unique<LeakDetector>(options.leaks == "warn"));
  if (options.long_poll_ms > 0)
    detectors.push_back(
        std::make_unique<LongPollDetector>(std::chrono::milliseconds(options.long_poll_ms)));
  return detectors;
}

std::optional<Duration> leak_grace(const ExploreOptions& options) {
  if (options.leaks == "off") return std::nullopt;
  return std::chrono::milliseconds(options.leak_grace_ms);
}

}  // namespace weft
