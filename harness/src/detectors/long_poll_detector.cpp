// Long polls: wall time from a task's run event to the end of its step (see long_poll_detector.hpp).
#include "weft/harness/long_poll_detector.hpp"

#include <time.h>

#include "weft/harness/object_table.hpp"
#include "weft/runtime.hpp"

namespace weft {

LongPollDetector::Clock::time_point LongPollDetector::now() noexcept {
#ifdef CLOCK_MONOTONIC_COARSE
  // The coarse clock costs a few nanoseconds where steady_clock costs tens, and a step is timed
  // for every task switch; its resolution (a few ms) is far below any useful threshold.
  timespec ts{};
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
    return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
        std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
#endif
  return Clock::now();
}

void LongPollDetector::begin_execution() {
  tasks_.clear();
  running_ = kNoTask;
  failure_.reset();
}

void LongPollDetector::on_event(const Event& e) {
  if (failure_) return;  // one report per execution; no more clock reads
  switch (e.kind) {
    case EventKind::spawn:
      tasks_.on_event(e);
      return;
    case EventKind::run: {
      const Clock::time_point at = now();
      if (running_ != kNoTask) close(e, at, "reached a scheduling point");
      running_ = e.task;
      blocked_ = false;
      step_ = e.step;
      resumed_after_ = e.where;  // the task's latest scheduling point (unknown: it starts)
      started_ = at;
      return;
    }
    case EventKind::block:
      // The step is over, but the clock is read at the next run: one read per step.
      if (e.task == running_) {
        blocked_ = true;
        blocked_at_ = e.where;
      }
      return;
    case EventKind::finish:
    case EventKind::panic:
    case EventKind::cancelled:
      if (e.task == running_) {
        const char* how = e.kind == EventKind::finish  ? "finished"
                          : e.kind == EventKind::panic ? "panicked"
                                                       : "was dropped";
        close(e, now(), how);
      }
      return;
    case EventKind::deadlock:
    case EventKind::hang:
    case EventKind::shutdown_end:
      if (running_ != kNoTask) close(e, now(), "stopped");
      return;
    default:
      return;
  }
}

void LongPollDetector::close(const Event& e, Clock::time_point at, const char* how) {
  const TaskId task = running_;
  running_ = kNoTask;
  const auto elapsed = at - started_;
  if (elapsed < threshold_) return;

  // Where it ended: where it blocked, else the task's latest scheduling point.
  SourceLocation end;
  if (blocked_) {
    how = "blocked";
    end = blocked_at_;
  } else if (e.runtime != nullptr) {
    for (const TaskSnapshot& t : e.runtime->tasks())
      if (t.id == task) end = t.last_site;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
  const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(threshold_).count();

  Failure f;
  f.kind = FailureKind::long_poll;
  f.task = task;
  f.task_name = tasks_.name(task);
  f.step = step_;
  f.where = Location::from(known(end) ? end : resumed_after_);
  f.message = "task " + tasks_.label(task) + " kept the thread for " + std::to_string(ms) +
              " ms in one step without reaching a scheduling point, so no other task could run "
              "meanwhile: something in it blocks the thread (a real sleep, blocking I/O, a "
              "std::mutex, a long computation)";
  std::string began = "the step began at step " + std::to_string(step_) + " when the task ";
  if (known(resumed_after_)) {
    began += "resumed after " + location_text(resumed_after_);
  } else {
    const TaskTable::Entry* entry = tasks_.find(task);
    began += "started (spawned at " + (entry ? location_text(entry->spawn_site) : "?") + ")";
  }
  began += ", and ended when it " + std::string(how);
  if (known(end)) began += " at " + location_text(end);
  f.details.push_back(began);
  f.details.push_back("the blocking code runs between those two points; use weft's operations "
                      "(weft::sleep, channels, locks) so that the task yields instead");
  f.details.push_back("threshold: " + std::to_string(limit) +
                      " ms of wall time (--long-poll-ms); wall time is measured for this report "
                      "only, never for decisions, and varies from run to run");
  failure_ = std::move(f);
}

void LongPollDetector::end_execution(const BodyOutcome&, Findings& findings) {
  if (failure_) findings.failures.push_back(*failure_);
}

}  // namespace weft
