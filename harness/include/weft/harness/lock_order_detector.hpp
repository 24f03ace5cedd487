// Lock-order inversions (lockdep): a graph of "took lock B while holding lock A" edges; a cycle
// means two tasks can each hold one lock and wait for the other, even when this schedule did not
// deadlock. Each edge also keeps its task and the locks that task held (its guard set), so that a
// cycle protected by a common lock (a gate) is not reported: the cycle must be made of edges of
// distinct tasks whose guard sets are pairwise disjoint (GoodLock, Havelund 2000).
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
  // The classes of the locks the task held when it took `taken` (`held` among them), sorted,
  // each with whether every such hold was a read hold; locks without a class are left out (they
  // cannot protect anything across executions).
  std::vector<std::pair<std::string, bool>> guards;
  // Whether the task's name names it alone in its execution: two edges of such a task (in any
  // executions) are taken as edges of one task, which cannot deadlock with itself.
  bool task_alone = false;
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
// A cycle counts (in one execution or across them) only when its edges come from distinct tasks
// and no lock is held by two of them when they took their edges, except as a read hold by both:
// a lock (a gate) held across two of the edges keeps those two tasks from being inside at once,
// so they can never each hold one lock of the cycle and wait for the next. An edge is kept once
// per task and guard set (not when a guard set of the same task that it includes is kept
// already), and a cycle is reported when any choice of these occurrences fits.
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
  // A lock the task holds, and whether every hold of it by the task is a read hold.
  using Guard = std::pair<ObjectId, bool>;
  struct Edge {
    ObjectId from, to;
    ObjectKind from_kind, to_kind;
    TaskId task;
    SourceLocation held_at;   // where the task took the lock it held
    SourceLocation taken_at;  // where it took the second lock
    std::uint64_t step;
    std::vector<Guard> guards;  // the locks the task held when it took `to`, by object id
  };
  void add_edge(const ObjectTable::Hold& held, const Event& taken,
                const std::vector<Guard>& guards);
  void report(const std::vector<std::size_t>& cycle, const Event& closing);

  TaskTable tasks_;
  ObjectTable objects_;
  std::vector<Edge> edges_;  // every occurrence kept, in the order the execution made them
  std::map<ObjectId, std::vector<std::size_t>> out_;  // lock -> its edges (indices), in order
  std::vector<LockClassEdge> class_edges_;  // this execution's, each (pair, task, guards) once
  std::optional<Failure> failure_;
};

// A cycle in the lock-class edges of a whole exploration (each pair, task and guard set from its
// first execution) whose edges could all be waiting at once (distinct tasks, guard sets without a
// common gate), as the indices into `edges` of its edges in order, or empty. Deterministic for a
// given list.
std::vector<std::size_t> lock_class_cycle(const std::vector<LockClassEdge>& edges);

}  // namespace weft
