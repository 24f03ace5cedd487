// Lock-order inversions (lockdep): a graph of "took lock B while holding lock A" edges; a cycle
// means two tasks can each hold one lock and wait for the other, even when this schedule did not
// deadlock.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weft/harness/detector.hpp"
#include "weft/harness/object_table.hpp"
#include "weft/harness/task_table.hpp"
#include "weft/source_location.hpp"

namespace weft {

// "Took a lock created `taken` while holding one created `held`": a lock-order edge between lock
// classes (locks named by how they were created, as lockdep names them by class), which unlike
// object ids mean the same thing in every execution. Each execution hands its edges on as facts;
// the detector's registry entry checks those of all executions together.
struct LockClassEdge {
  std::string held;            // how the held lock was created (ObjectTable::class_key)
  std::string taken;           // how the lock taken was created
  std::string task;            // the task that did it, by name
  Location held_at, taken_at;  // where the two locks were taken
};

// Edges come from acquisitions (a lock event while the task holds other locks), not from
// attempts: an execution that did deadlock is explained by the deadlock report instead. A lock
// taken by try_lock gets no edge (it cannot block), but later locks taken while holding it do.
// Read holds of an RwLock count like write holds (tokio's RwLock is fair: a queued writer makes
// the next reader wait). A cycle within one execution is a failure, with that execution's trace.
// Each execution also hands its edges between lock classes (creation sites) on as facts; the
// registry entry's check across executions (lock_order_detector.cpp) reports a cycle that only
// the executions together show as a warning: no single schedule replays it, but some schedule
// may take both orders at once.
class LockOrderDetector final : public Detector {
 public:
  std::string_view name() const override { return "lock_order"; }
  void begin_execution() override;
  void on_event(const Event& event) override;
  EventMask interests() const override {
    return events(EventKind::spawn, EventKind::object_created) |
           ops_on(ObjectKind::mutex, ObjectKind::rwlock, ObjectKind::semaphore);
  }
  void end_execution(const BodyOutcome& outcome, Findings& findings) override;

 private:
  struct Edge {
    ObjectKind from_kind, to_kind;
    TaskId task;
    SourceLocation held_at;   // where the task took the lock it held
    SourceLocation taken_at;  // where it took the second lock
    std::uint64_t step;
  };
  using Key = std::pair<ObjectId, ObjectId>;  // (held, taken)
  void add_edge(const ObjectTable::Hold& held, const Event& taken);
  // A path of edges from `from` to `to`, or empty.
  std::vector<Key> path(ObjectId from, ObjectId to) const;
  void report(const std::vector<Key>& cycle, const Event& closing);

  TaskTable tasks_;
  ObjectTable objects_;
  std::map<Key, Edge> edges_;  // ordered: searches and reports do not depend on insertion order
  std::vector<LockClassEdge> class_edges_;  // this execution's, each class pair once
  std::optional<Failure> failure_;
};

// A cycle in the lock-class edges of a whole exploration (each pair from its first execution), as
// the indices into `edges` of its edges in order, or empty. Deterministic for a given list.
std::vector<std::size_t> lock_class_cycle(const std::vector<LockClassEdge>& edges);

}  // namespace weft
