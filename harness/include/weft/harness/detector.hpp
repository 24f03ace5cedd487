// Detectors are Observers that turn what happened in one execution into failures.
#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "weft/harness/failure.hpp"
#include "weft/observer.hpp"

namespace weft {

// How one execution ended, as seen from outside the runtime.
struct BodyOutcome {
  std::optional<Failure> failure;  // the body threw (root panic, check failure, Deadlock, Hang)
};

// What the detectors found in one execution.
struct Findings {
  std::vector<Failure> failures;  // the execution fails
  std::vector<Failure> warnings;  // worth telling (e.g. leaks in warn mode), not a failure
};

class Detector : public Observer {
 public:
  virtual std::string_view name() const = 0;
  // Called before each execution; per-execution state is reset here.
  virtual void begin_execution() {}
  // Called after the body returned or threw. Appends what this execution shows.
  virtual void end_execution(const BodyOutcome& outcome, Findings& findings) = 0;
};

// Forwards events to several observers in order.
class ObserverFanout final : public Observer {
 public:
  void add(Observer* observer) { observers_.push_back(observer); }
  void on_event(const Event& event) override {
    for (Observer* o : observers_) o->on_event(event);
  }

 private:
  std::vector<Observer*> observers_;
};

}  // namespace weft
