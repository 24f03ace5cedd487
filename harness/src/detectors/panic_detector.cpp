// Task panics nobody handled, and panics whose JoinHandle was dropped unjoined (unobserved).
#include <algorithm>

#include "weft/harness/core_detectors.hpp"

namespace weft {

void PanicDetector::begin_execution() {
  tasks_.clear();
  panics_.clear();
  detached_.clear();
}

void PanicDetector::on_event(const Event& e) {
  if (e.kind == EventKind::op && e.op != Op::join) return;  // most events: nothing to do
  tasks_.on_event(e);
  switch (e.kind) {
    case EventKind::panic:
      // The root's panic leaves block_on as an exception: the body failure reports it.
      if (!tasks_.is_root(e.task))
        panics_.push_back(Panic{e.task, std::string(e.text), Location::from(e.where), e.step,
                                e.value == kPanicThrowingDestructor});
      break;
    case EventKind::op:
      if (e.op == Op::join && e.value != 0)
        for (Panic& p : panics_)
          if (p.task == e.other) p.observed = true;
      break;
    case EventKind::detach:
      detached_.emplace_back(e.other, e.step);
      break;
    default:
      break;
  }
}

void PanicDetector::end_execution(const BodyOutcome&, Findings& findings) {
  for (const Panic& p : panics_) {
    Failure f;
    f.task = p.task;
    f.task_name = tasks_.name(p.task);
    f.step = p.step;
    f.where = p.where;
    if (p.throwing_destructor) {
      // Outside weft this is std::terminate: a failure whether or not anyone joins the task.
      f.kind = FailureKind::throwing_destructor;
      f.message = p.message;
      findings.failures.push_back(std::move(f));
      continue;
    }
    if (p.observed) continue;
    f.kind = FailureKind::task_panic;
    f.message = mode_ == DetectorMode::find
                    ? p.message
                    : "task " + tasks_.label(p.task) +
                          " panicked and nobody joined it to handle the error: " + p.message;
    auto detach = std::find_if(detached_.begin(), detached_.end(),
                               [&](const auto& d) { return d.first == p.task; });
    if (mode_ == DetectorMode::find) {  // the signature is enough: the replay explains
      findings.failures.push_back(f);
      if (detach != detached_.end()) {
        f.kind = FailureKind::unobserved_panic;
        f.step = std::max(p.step, detach->second);
        findings.failures.push_back(std::move(f));
      }
      continue;
    }
    if (const auto* entry = tasks_.find(p.task))
      f.details.push_back("spawned at " + location_text(entry->spawn_site));
    f.details.push_back("join its handle and handle the error (or catch it inside the task)");
    findings.failures.push_back(f);
    if (detach != detached_.end()) {
      Failure u = f;
      u.kind = FailureKind::unobserved_panic;
      u.message = "task " + tasks_.label(p.task) +
                  " panicked and its JoinHandle was dropped without a join, so the error "
                  "vanished without a trace: " +
                  p.message;
      u.step = std::max(p.step, detach->second);
      u.details.back() = "its JoinHandle was dropped unjoined at step " +
                         std::to_string(detach->second) +
                         (detach->second < p.step ? ", before the panic" : ", after the panic");
      u.details.push_back("join the handle and handle the error (or catch it inside the task)");
      findings.failures.push_back(u);
    }
  }
}

}  // namespace weft
