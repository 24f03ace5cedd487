// tokio-util's graceful-shutdown helpers: CancellationToken (a tree of tokens: cancelling one
// cancels its children, cancelled() waits for it) and TaskTracker (spawns tasks, and wait()
// waits until it is closed and every one of them has ended).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "weft/detail/primitive.hpp"
#include "weft/detail/select_arm.hpp"
#include "weft/source_location.hpp"
#include "weft/task.hpp"

namespace weft {

namespace detail {
class TokenArm;
}

// tokio_util::sync::CancellationToken. Copies share one token; child_token() makes a token that
// is cancelled when this one is (but cancelling the child leaves the parent alone).
class CancellationToken {
 public:
  // Where it was created (or child_token() called) names the token in reports.
  CancellationToken(SourceLocation created = SourceLocation::current());
  // A new token cancelled together with this one (at once if this one already is).
  CancellationToken child_token(SourceLocation created = SourceLocation::current()) const;
  // Cancels this token and all its descendants, waking every task waiting in cancelled(). Inside
  // a task a scheduling point that never suspends. Cancelling twice does nothing more.
  void cancel(SourceLocation where = SourceLocation::current()) const;
  bool is_cancelled() const noexcept;
  // Waits until the token is cancelled (returns at once if it is). A suspension point: a task
  // dropped (aborted, shut down) while waiting here is dropped here. Precondition: from a task.
  void cancelled(SourceLocation where = SourceLocation::current()) const;

 private:
  friend class detail::TokenArm;
  struct Node {
    detail::ObjectTag tag;
    detail::WaitQueue waiters;
    bool cancelled = false;
    std::vector<std::weak_ptr<Node>> children;
  };
  explicit CancellationToken(std::shared_ptr<Node> node) : node_(std::move(node)) {}
  static void cancel_tree(const detail::OpSite& site, Node& node, bool child) noexcept;
  std::shared_ptr<Node> node_;
};

namespace detail {
// A token's cancellation as a select branch (cancelled() races nothing away: cancel-safe).
class TokenArm final : public SelectArm {
 public:
  using value_type = void;
  explicit TokenArm(const CancellationToken& token) : node_(token.node_) {}
  bool ready() noexcept override { return node_->cancelled; }
  void arm(const OpSite&) noexcept override { w_.queue_in(node_->waiters); }
  void disarm(const OpSite&) noexcept override { w_.leave(); }
  WaitInfo info(Scheduler& s, SourceLocation where) noexcept override {
    return WaitInfo{Op::wait, ObjectKind::token, object_id(s, node_->tag, ObjectKind::token),
                    kNoTask, where};
  }
  void take() noexcept { w_.leave(); }

 private:
  std::shared_ptr<CancellationToken::Node> node_;
  ArmWaiter w_;
};
}  // namespace detail

namespace when {
// The token being cancelled (tokio-util's token.cancelled() in a select).
inline detail::TokenArm cancelled(const CancellationToken& token) {
  return detail::TokenArm(token);
}
}  // namespace when

// tokio_util::task::TaskTracker: counts the tasks spawned through it until each has ended (its
// closure destroyed: returned, panicked or dropped). wait() returns once the tracker is closed
// and empty. Copies share one tracker.
class TaskTracker {
  struct State;

 public:
  TaskTracker(SourceLocation created = SourceLocation::current());
  // Spawns fn as a task (weft::spawn) that the tracker counts until it ends.
  template <class F>
  auto spawn(F&& fn, std::string name = {}, SourceLocation where = SourceLocation::current()) {
    return weft::spawn([token = Token(state_), fn = std::forward<F>(fn)]() mutable { return fn(); },
                       std::move(name), where);
  }
  // No more tasks are expected: wait() returns once the tracked ones have ended. Returns false
  // if it was already closed. Spawning after close still works (tokio's does too).
  bool close(SourceLocation where = SourceLocation::current()) const;
  // Opens the tracker again; returns false if it was open.
  bool reopen(SourceLocation where = SourceLocation::current()) const;
  bool is_closed() const noexcept;
  std::size_t len() const noexcept;
  bool is_empty() const noexcept { return len() == 0; }
  // Waits until the tracker is closed and empty. A suspension point. Precondition: from a task.
  void wait(SourceLocation where = SourceLocation::current()) const;

 private:
  // Held by each tracked task's closure: counts it until the closure is destroyed.
  class Token {
   public:
    explicit Token(std::shared_ptr<State> state);
    Token(Token&& other) noexcept : state_(std::move(other.state_)) {}
    Token& operator=(Token&&) = delete;
    ~Token();

   private:
    std::shared_ptr<State> state_;
  };
  struct State {
    detail::ObjectTag tag;
    detail::WaitQueue waiters;
    std::size_t tasks = 0;
    bool closed = false;
  };
  static void wake_if_done(const detail::OpSite& site, State& state) noexcept;
  std::shared_ptr<State> state_;
};

}  // namespace weft
