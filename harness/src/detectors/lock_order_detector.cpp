// Lockdep for weft's locks: "took B while holding A" edges per execution, a cycle reported as a
// potential deadlock. After the Linux kernel's lockdep (Documentation/locking/lockdep-design.rst),
// with locks named by object id and creation site instead of lock classes.
#include "weft/harness/lock_order_detector.hpp"

#include <algorithm>
#include <deque>

#include "weft/harness/registry.hpp"

namespace weft {

void LockOrderDetector::begin_execution() {
  tasks_.clear();
  objects_.clear();
  edges_.clear();
  class_edges_.clear();
  failure_.reset();
}

void LockOrderDetector::on_event(const Event& e) {
  tasks_.on_event(e);
  const bool acquired = e.kind == EventKind::op && (e.op == Op::lock || e.op == Op::lock_shared) &&
                        ObjectTable::is_lock(e.object_kind);
  if (acquired && e.value == 0 && !failure_) {
    // The new hold is recorded after the edges: a lock is never its own predecessor.
    for (const ObjectTable::Hold& held : objects_.holds())
      if (held.task == e.task && ObjectTable::is_lock(held.kind) && held.object != e.object)
        add_edge(held, e);
  }
  objects_.on_event(e);
}

void LockOrderDetector::add_edge(const ObjectTable::Hold& held, const Event& taken) {
  const Key key{held.object, taken.object};
  if (edges_.count(key) != 0) return;
  // Between lock classes too, for the exploration-wide check; locks whose creation nothing
  // tells apart have no class. Two locks of one class (created on one line) give no class edge.
  std::string held_class = objects_.class_key(held.object);
  std::string taken_class = objects_.class_key(taken.object);
  if (!held_class.empty() && !taken_class.empty()) {
    LockClassEdge edge{std::move(held_class), std::move(taken_class), tasks_.name(taken.task),
                       Location::from(held.where), Location::from(taken.where)};
    const bool seen = std::any_of(class_edges_.begin(), class_edges_.end(), [&](const auto& e) {
      return e.held == edge.held && e.taken == edge.taken;
    });
    if (edge.held != edge.taken && !seen) class_edges_.push_back(std::move(edge));
  }
  edges_.emplace(
      key, Edge{held.kind, taken.object_kind, taken.task, held.where, taken.where, taken.step});
  if (failure_) return;
  std::vector<Key> back = path(taken.object, held.object);
  if (back.empty()) return;
  back.insert(back.begin(), key);
  report(back, taken);
}

std::vector<LockOrderDetector::Key> LockOrderDetector::path(ObjectId from, ObjectId to) const {
  // Breadth-first over the ordered edge map: the shortest path, the same one every time.
  std::map<ObjectId, ObjectId> came_from;  // node -> previous node
  std::deque<ObjectId> queue{from};
  came_from[from] = from;
  while (!queue.empty()) {
    const ObjectId at = queue.front();
    queue.pop_front();
    if (at == to) {
      std::vector<Key> out;
      for (ObjectId n = to; n != from; n = came_from[n]) out.push_back(Key{came_from[n], n});
      std::reverse(out.begin(), out.end());
      return out;
    }
    for (auto it = edges_.lower_bound(Key{at, 0}); it != edges_.end() && it->first.first == at;
         ++it) {
      if (came_from.emplace(it->first.second, at).second) queue.push_back(it->first.second);
    }
  }
  return {};
}

void LockOrderDetector::report(const std::vector<Key>& cycle, const Event& closing) {
  // Tell the cycle from its oldest edge on: the order in which the program did it.
  std::vector<Key> order = cycle;
  auto oldest = std::min_element(order.begin(), order.end(), [&](const Key& a, const Key& b) {
    return edges_.at(a).step < edges_.at(b).step;
  });
  std::rotate(order.begin(), oldest, order.end());

  auto lock = [&](ObjectKind kind, ObjectId id) { return objects_.short_name(kind, id); };
  std::string sequence;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const Edge& edge = edges_.at(order[i]);
    const bool same_task_again = i > 0 && edges_.at(order[i - 1]).task == edge.task;
    sequence +=
        i == 0 ? "" : (i + 1 == order.size() ? (order.size() > 2 ? ", and " : " and ") : ", ");
    sequence += (same_task_again ? std::string("later also") : tasks_.label(edge.task)) +
                " locks " + lock(edge.from_kind, order[i].first) + " then " +
                lock(edge.to_kind, order[i].second);
  }

  Failure f;
  f.kind = FailureKind::lock_order;
  f.task = closing.task;
  f.task_name = tasks_.name(closing.task);
  f.where = Location::from(closing.where);
  f.step = closing.step;
  f.message = "potential deadlock: " + sequence + "; if each takes its first lock before the " +
              (order.size() > 2 ? "next" : "other") + " takes its second, " +
              (order.size() > 2 ? "they all" : "both") + " wait forever (this run got through)";
  for (const Key& key : order) {
    const Edge& edge = edges_.at(key);
    f.details.push_back(tasks_.label(edge.task) + " took " + lock(edge.to_kind, key.second) +
                        " at " + location_text(edge.taken_at) + " while holding " +
                        lock(edge.from_kind, key.first) + " (locked at " +
                        location_text(edge.held_at) + "), step " + std::to_string(edge.step));
  }
  for (const Key& key : order) {
    const SourceLocation site = objects_.created(key.first);
    if (known(site))
      f.details.push_back(lock(edges_.at(key).from_kind, key.first) + " was created at " +
                          location_text(site));
  }
  f.details.push_back(
      "take these locks in one order everywhere (or hold only one at a time) so that no schedule "
      "can deadlock");
  failure_ = std::move(f);
}

std::vector<std::size_t> lock_class_cycle(const std::vector<LockClassEdge>& edges) {
  // Depth-first from each class in name order; the first back edge closes the cycle reported.
  std::map<std::string, std::vector<std::size_t>> out;  // class -> its edges, in list order
  for (std::size_t i = 0; i < edges.size(); ++i) out[edges[i].held].push_back(i);
  std::map<std::string, int> state;  // 0 unvisited, 1 on the path, 2 done
  std::vector<std::size_t> path;     // edges from the start to the current class
  std::vector<std::size_t> cycle;
  auto visit = [&](auto& self, const std::string& at) -> void {
    state[at] = 1;
    const auto from_here = out.find(at);
    if (from_here == out.end()) {
      state[at] = 2;
      return;
    }
    for (std::size_t i : from_here->second) {
      if (!cycle.empty()) return;
      const std::string& next = edges[i].taken;
      path.push_back(i);
      if (state[next] == 1) {
        auto from = std::find_if(path.begin(), path.end(),
                                 [&](std::size_t e) { return edges[e].held == next; });
        cycle.assign(from, path.end());
        return;
      }
      if (state[next] == 0) self(self, next);
      path.pop_back();
    }
    state[at] = 2;
  };
  for (const auto& [start, unused] : out) {
    if (!cycle.empty()) break;
    if (state[start] == 0) visit(visit, start);
  }
  return cycle;
}

void LockOrderDetector::end_execution(const BodyOutcome&, Findings& findings) {
  if (failure_) findings.failures.push_back(*failure_);
  for (LockClassEdge& edge : class_edges_) {
    std::string key = edge.held + '\0' + edge.taken;  // orders as the pair (held, taken)
    findings.facts.push_back(ExecutionFact{"lock_order", std::move(key), std::move(edge)});
  }
  class_edges_.clear();
}

namespace {

// A lock-order cycle that only the executions together show (each execution's own cycles fail
// it): a warning, since no single schedule replays it.
std::optional<Failure> cross_execution_lock_cycle(const std::vector<SeenFact>& seen) {
  std::vector<LockClassEdge> edges;
  std::vector<std::uint64_t> where_seen;
  for (const SeenFact& fact : seen) {
    edges.push_back(std::any_cast<const LockClassEdge&>(*fact.value));
    where_seen.push_back(fact.execution);
  }
  const std::vector<std::size_t> cycle = lock_class_cycle(edges);
  if (cycle.empty()) return std::nullopt;
  Failure f;
  f.kind = FailureKind::lock_order;
  const LockClassEdge& closing = edges[cycle.back()];
  f.task_name = closing.task;
  f.where = closing.taken_at;
  std::string sequence;
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const LockClassEdge& e = edges[cycle[i]];
    sequence += (i == 0                  ? ""
                 : i + 1 == cycle.size() ? " and "
                                         : ", ") +
                std::string("'") + e.task + "' locks the lock created " + e.held +
                " then the one created " + e.taken + " (execution " +
                std::to_string(where_seen[cycle[i]]) + ")";
  }
  f.message = "potential deadlock across executions: " + sequence +
              "; no execution took these orders together, but a schedule where each task takes "
              "its first lock before the other takes its second would wait forever";
  for (std::size_t i : cycle) {
    const LockClassEdge& e = edges[i];
    f.details.push_back("'" + e.task + "' took the lock created " + e.taken + " at " +
                        e.taken_at.to_string() + " while holding the one created " + e.held +
                        " (locked at " + e.held_at.to_string() + "), execution " +
                        std::to_string(where_seen[i]));
  }
  f.details.push_back(
      "locks are told apart by where they were created (lock classes), as in "
      "lockdep; take them in one order everywhere");
  return f;
}

}  // namespace

const DetectorEntry& lock_order_detector_entry() {
  static const DetectorEntry entry{
      .name = "lock_order",
      .help = "locks taken in opposite orders (lockdep), in one execution or across executions",
      .settings = "--lock-order (on by default)",
      .enabled = [](const ExploreOptions& o) { return o.lock_order; },
      .make = [](const ExploreOptions&, DetectorMode) -> std::unique_ptr<Detector> {
        return std::make_unique<LockOrderDetector>();
      },
      .across = cross_execution_lock_cycle,
  };
  return entry;
}

}  // namespace weft
