// Lockdep for weft's locks: "took B while holding A" edges per execution, a cycle reported as a
// potential deadlock. After the Linux kernel's lockdep (Documentation/locking/lockdep-design.rst),
// with locks named by object id and creation site instead of lock classes.
#include "weft/harness/lock_order_detector.hpp"

#include <algorithm>
#include <deque>
#include <set>

#include "weft/harness/registry.hpp"

namespace weft {

namespace {

// Whether a lock held for both of two edges keeps their tasks from holding it at once: held by
// both, and not as a read hold by both. Guards are sorted by their first member.
template <class Guard>
bool share_a_gate(const std::vector<Guard>& a, const std::vector<Guard>& b) {
  auto i = a.begin(), j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (i->first < j->first) {
      ++i;
    } else if (j->first < i->first) {
      ++j;
    } else {
      if (!(i->second && j->second)) return true;
      ++i, ++j;
    }
  }
  return false;
}

// Edge visits one search may make: the search is exponential in the worst case (a choice of
// occurrence per edge), and the detector runs on every execution. Real programs stay far below.
constexpr std::size_t kSearchBudget = std::size_t{1} << 16;

// The shortest cycle that starts with edge `first`: edges from first's end back to its start,
// through each lock at most once, every two of them (`first` included) compatible. Returned as
// the indices of its edges in order, `first` first, or empty when there is none (or the search
// ran out of budget). Iterative deepening: the shortest cycle, and the same one every time for
// the same graph. `out` maps a lock to its edges; `from` and `to` give an edge's two locks.
template <class Node, class From, class To, class Compatible>
std::vector<std::size_t> cycle_through(std::size_t first,
                                       const std::map<Node, std::vector<std::size_t>>& out,
                                       const From& from, const To& to,
                                       const Compatible& compatible) {
  const Node& target = from(first);
  // How many edges each lock is from the target, constraints aside (breadth-first, backwards):
  // the search only goes where the target can still be reached within the length sought, so a
  // lock graph without a cycle through `first` costs one pass over its edges, as a plain path
  // search does.
  std::map<Node, std::vector<const Node*>> into;
  for (const auto& [node, edges] : out)
    for (std::size_t i : edges) into[to(i)].push_back(&node);
  std::map<Node, std::size_t> distance{{target, 0}};
  std::deque<const Node*> queue{&target};
  while (!queue.empty()) {
    const Node* at = queue.front();
    queue.pop_front();
    const std::size_t next_distance = distance.at(*at) + 1;
    const auto sources = into.find(*at);
    if (sources == into.end()) continue;
    for (const Node* source : sources->second)
      if (distance.emplace(*source, next_distance).second) queue.push_back(source);
  }
  const auto start = distance.find(to(first));
  if (start == distance.end()) return {};

  std::vector<std::size_t> path{first};
  std::set<Node> on_path{from(first), to(first)};
  std::size_t budget = kSearchBudget;
  auto extend = [&](auto& self, const Node& at, std::size_t length) -> bool {
    const auto edges = out.find(at);
    if (edges == out.end()) return false;
    const bool closing = path.size() + 1 == length;
    for (std::size_t i : edges->second) {
      if (budget == 0) return false;
      --budget;
      const Node& next = to(i);
      if (closing) {
        if (!(next == target)) continue;
      } else {
        const auto left = distance.find(next);
        if (on_path.count(next) != 0 || left == distance.end() ||
            path.size() + 1 + left->second > length)
          continue;
      }
      if (!std::all_of(path.begin(), path.end(), [&](std::size_t p) { return compatible(p, i); }))
        continue;
      path.push_back(i);
      if (closing) return true;
      on_path.insert(next);
      if (self(self, next, length)) return true;
      on_path.erase(next);
      path.pop_back();
    }
    return false;
  };
  // A cycle goes through each lock at most once, and each lock on it can reach the target.
  for (std::size_t length = start->second + 1; length <= distance.size() && budget > 0; ++length)
    if (extend(extend, to(first), length)) return path;
  return {};
}

}  // namespace

void LockOrderDetector::begin_execution() {
  tasks_.clear();
  objects_.clear();
  edges_.clear();
  out_.clear();
  class_edges_.clear();
  failure_.reset();
}

void LockOrderDetector::on_event(const Event& e) {
  tasks_.on_event(e);
  const bool acquired = e.kind == EventKind::op && (e.op == Op::lock || e.op == Op::lock_shared) &&
                        ObjectTable::is_lock(e.object_kind);
  if (acquired && e.value == 0 && !failure_) {
    // Every lock the task holds (by try_lock too: it excludes others all the same) guards the
    // edges it makes now. The new hold is recorded after the edges: a lock is never its own
    // predecessor.
    std::vector<Guard> guards;
    for (const ObjectTable::Hold& held : objects_.holds()) {
      if (held.task != e.task || !ObjectTable::is_lock(held.kind)) continue;
      auto same = std::find_if(guards.begin(), guards.end(),
                               [&](const Guard& g) { return g.first == held.object; });
      if (same == guards.end())
        guards.emplace_back(held.object, held.shared);
      else
        same->second = same->second && held.shared;
    }
    std::sort(guards.begin(), guards.end());
    for (const ObjectTable::Hold& held : objects_.holds())
      if (held.task == e.task && ObjectTable::is_lock(held.kind) && held.object != e.object)
        add_edge(held, e, guards);
  }
  objects_.on_event(e);
}

void LockOrderDetector::add_edge(const ObjectTable::Hold& held, const Event& taken,
                                 const std::vector<Guard>& guards) {
  // An occurrence of the same edge by the same task whose guards are among these (each no more
  // exclusive) fits every cycle this one would: keep only the first.
  std::vector<std::size_t>& from_here = out_[held.object];
  const bool dominated = std::any_of(from_here.begin(), from_here.end(), [&](std::size_t i) {
    const Edge& old = edges_[i];
    if (old.to != taken.object || old.task != taken.task) return false;
    return std::all_of(old.guards.begin(), old.guards.end(), [&](const Guard& g) {
      return std::any_of(guards.begin(), guards.end(), [&](const Guard& n) {
        return n.first == g.first && (g.second || !n.second);
      });
    });
  });
  if (dominated) return;
  // Between lock classes too, for the exploration-wide check; locks whose creation nothing
  // tells apart have no class. Two locks of one class (created on one line) give no class edge.
  std::string held_class = objects_.class_key(held.object);
  std::string taken_class = objects_.class_key(taken.object);
  if (!held_class.empty() && !taken_class.empty() && held_class != taken_class) {
    LockClassEdge edge{std::move(held_class), std::move(taken_class), tasks_.name(taken.task),
                       Location::from(held.where), Location::from(taken.where)};
    for (const Guard& g : guards) {
      std::string guard_class = objects_.class_key(g.first);
      if (guard_class.empty()) continue;
      auto same = std::find_if(edge.guards.begin(), edge.guards.end(),
                               [&](const auto& c) { return c.first == guard_class; });
      if (same == edge.guards.end())
        edge.guards.emplace_back(std::move(guard_class), g.second);
      else
        same->second = same->second && g.second;
    }
    std::sort(edge.guards.begin(), edge.guards.end());
    const bool seen = std::any_of(class_edges_.begin(), class_edges_.end(), [&](const auto& e) {
      return e.held == edge.held && e.taken == edge.taken && e.task == edge.task &&
             e.guards == edge.guards;
    });
    if (!seen) class_edges_.push_back(std::move(edge));
  }
  edges_.push_back(Edge{held.object, taken.object, held.kind, taken.object_kind, taken.task,
                        held.where, taken.where, taken.step, guards});
  from_here.push_back(edges_.size() - 1);
  out_.try_emplace(taken.object);  // every lock of the graph is a node of out_
  if (failure_) return;
  // Pairs of edges that could be waiting at once: distinct tasks, no common gate.
  const std::vector<std::size_t> cycle = cycle_through(
      edges_.size() - 1, out_, [&](std::size_t i) -> const ObjectId& { return edges_[i].from; },
      [&](std::size_t i) -> const ObjectId& { return edges_[i].to; },
      [&](std::size_t a, std::size_t b) {
        return edges_[a].task != edges_[b].task &&
               !share_a_gate(edges_[a].guards, edges_[b].guards);
      });
  if (!cycle.empty()) report(cycle, taken);
}

void LockOrderDetector::report(const std::vector<std::size_t>& cycle, const Event& closing) {
  // Tell the cycle from its oldest edge on: the order in which the program did it.
  std::vector<std::size_t> order = cycle;
  auto oldest = std::min_element(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return edges_[a].step < edges_[b].step;
  });
  std::rotate(order.begin(), oldest, order.end());

  auto lock = [&](ObjectKind kind, ObjectId id) { return objects_.short_name(kind, id); };
  std::string sequence;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const Edge& edge = edges_[order[i]];
    sequence +=
        i == 0 ? "" : (i + 1 == order.size() ? (order.size() > 2 ? ", and " : " and ") : ", ");
    sequence += tasks_.label(edge.task) + " locks " + lock(edge.from_kind, edge.from) + " then " +
                lock(edge.to_kind, edge.to);
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
  for (std::size_t i : order) {
    const Edge& edge = edges_[i];
    f.details.push_back(tasks_.label(edge.task) + " took " + lock(edge.to_kind, edge.to) + " at " +
                        location_text(edge.taken_at) + " while holding " +
                        lock(edge.from_kind, edge.from) + " (locked at " +
                        location_text(edge.held_at) + "), step " + std::to_string(edge.step));
  }
  for (std::size_t i : order) {
    const SourceLocation site = objects_.created(edges_[i].from);
    if (known(site))
      f.details.push_back(lock(edges_[i].from_kind, edges_[i].from) + " was created at " +
                          location_text(site));
  }
  f.details.push_back(
      "take these locks in one order everywhere (or hold only one at a time) so that no schedule "
      "can deadlock");
  failure_ = std::move(f);
}

std::vector<std::size_t> lock_class_cycle(const std::vector<LockClassEdge>& edges) {
  // The shortest fitting cycle through each edge in list order; the first found is reported.
  std::map<std::string, std::vector<std::size_t>> out;  // class -> its edges, in list order
  for (std::size_t i = 0; i < edges.size(); ++i) {
    out[edges[i].held].push_back(i);
    out.try_emplace(edges[i].taken);
  }
  auto compatible = [&](std::size_t a, std::size_t b) {
    const LockClassEdge& x = edges[a];
    const LockClassEdge& y = edges[b];
    const bool one_task = x.task_alone && y.task_alone && x.task == y.task;
    return !one_task && !share_a_gate(x.guards, y.guards);
  };
  for (std::size_t i = 0; i < edges.size(); ++i) {
    std::vector<std::size_t> cycle = cycle_through(
        i, out, [&](std::size_t e) -> const std::string& { return edges[e].held; },
        [&](std::size_t e) -> const std::string& { return edges[e].taken; }, compatible);
    if (!cycle.empty()) return cycle;
  }
  return {};
}

void LockOrderDetector::end_execution(const BodyOutcome&, Findings& findings) {
  if (failure_) findings.failures.push_back(*failure_);
  for (LockClassEdge& edge : class_edges_) {
    edge.task_alone = tasks_.count_named(edge.task) == 1;
    // Orders as the pair (held, taken) first; one fact per task and guard set.
    std::string key =
        edge.held + '\0' + edge.taken + '\0' + edge.task + '\0' + (edge.task_alone ? "1" : "0");
    for (const auto& [guard, shared] : edge.guards) {
      key += '\0';
      key += shared ? 'r' : 'w';
      key += guard;
    }
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
