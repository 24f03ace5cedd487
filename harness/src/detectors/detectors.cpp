// Which detectors run: the core ones always, the others as the options say.
#include "weft/harness/detectors.hpp"

#include "weft/harness/core_detectors.hpp"

namespace weft {

std::vector<std::unique_ptr<Detector>> make_detectors(const ExploreOptions&) {
  std::vector<std::unique_ptr<Detector>> detectors;
  detectors.push_back(std::make_unique<PanicDetector>());
  detectors.push_back(std::make_unique<StopDetector>());
  detectors.push_back(std::make_unique<SwallowedCancellationDetector>());
  return detectors;
}

}  // namespace weft
