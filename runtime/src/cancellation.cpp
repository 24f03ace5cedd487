// CancellationToken and TaskTracker: wait queues woken by cancel(), close() and the last tracked
// task's end. Their waits re-check their condition, so a waiter dropped after its wake-up loses
// nothing.
#include "weft/cancellation.hpp"

namespace weft {

CancellationToken::CancellationToken(SourceLocation created) : node_(std::make_shared<Node>()) {
  detail::record_creation(node_->tag, created);
}

CancellationToken CancellationToken::child_token(SourceLocation created) const {
  auto child = std::make_shared<Node>();
  detail::record_creation(child->tag, created);
  detail::note_access(node_->tag, ObjectKind::token);  // born cancelled or not: a read
  if (node_->cancelled) {
    child->cancelled = true;
  } else {
    // Forget children that are gone, so a long-lived parent does not grow without bound.
    std::erase_if(node_->children, [](const std::weak_ptr<Node>& c) { return c.expired(); });
    node_->children.push_back(child);
  }
  return CancellationToken(std::move(child));
}

void CancellationToken::cancel_tree(const detail::OpSite& site, Node& node, bool child) noexcept {
  if (node.cancelled) return;
  node.cancelled = true;
  // A child is an object of its own: its readers and waiters must see this step change it.
  if (child) detail::note_access(node.tag, ObjectKind::token, true);
  detail::wake_all(site, node.waiters);
  for (const std::weak_ptr<Node>& weak : node.children)
    if (std::shared_ptr<Node> child = weak.lock()) cancel_tree(site, *child, true);
  node.children.clear();
}

void CancellationToken::cancel(SourceLocation where) const {
  const detail::OpSite site = detail::enter_op(node_->tag, ObjectKind::token, Op::notify, where);
  const bool first = !node_->cancelled;
  cancel_tree(site, *node_, false);
  detail::emit_done(site, Op::notify, ObjectKind::token, first ? 1 : 0, where);
}

bool CancellationToken::is_cancelled() const noexcept {
  detail::note_access(node_->tag, ObjectKind::token);
  return node_->cancelled;
}

void CancellationToken::cancelled(SourceLocation where) const {
  using namespace detail;
  const OpSite site = enter_blocking_op("CancellationToken::cancelled", node_->tag,
                                        ObjectKind::token, Op::wait, where);
  // The node stays alive while this task waits on it, whatever happens to the other copies.
  const std::shared_ptr<Node> node = node_;
  wait_until(site, node->waiters, WaitInfo{Op::wait, ObjectKind::token, site.id, kNoTask, where},
             [&node] { return node->cancelled; });
  emit_done(site, Op::wait, ObjectKind::token, 0, where);
}

TaskTracker::TaskTracker(SourceLocation created) : state_(std::make_shared<State>()) {
  detail::record_creation(state_->tag, created);
}

TaskTracker::Token::Token(std::shared_ptr<State> state) : state_(std::move(state)) {
  ++state_->tasks;
}

TaskTracker::Token::~Token() {
  if (!state_) return;  // moved from
  // A destructor: no scheduling point, but the waiters are woken.
  const detail::OpSite site = detail::quiet_site(state_->tag, ObjectKind::token);
  --state_->tasks;
  wake_if_done(site, *state_);
}

void TaskTracker::wake_if_done(const detail::OpSite& site, State& state) noexcept {
  if (state.closed && state.tasks == 0) detail::wake_all(site, state.waiters);
}

bool TaskTracker::close(SourceLocation where) const {
  const detail::OpSite site = detail::enter_op(state_->tag, ObjectKind::token, Op::notify, where);
  const bool was_open = !state_->closed;
  state_->closed = true;
  wake_if_done(site, *state_);
  detail::emit_done(site, Op::notify, ObjectKind::token, was_open ? 1 : 0, where);
  return was_open;
}

bool TaskTracker::reopen(SourceLocation where) const {
  const detail::OpSite site = detail::enter_op(state_->tag, ObjectKind::token, Op::notify, where);
  const bool was_closed = state_->closed;
  state_->closed = false;
  detail::emit_done(site, Op::notify, ObjectKind::token, was_closed ? 1 : 0, where);
  return was_closed;
}

bool TaskTracker::is_closed() const noexcept {
  detail::note_access(state_->tag, ObjectKind::token);
  return state_->closed;
}

std::size_t TaskTracker::len() const noexcept {
  // The count drops as tracked tasks end, which is no operation on the tracker: depend on all.
  detail::note_read_of_everything();
  return state_->tasks;
}

void TaskTracker::wait(SourceLocation where) const {
  using namespace detail;
  const OpSite site =
      enter_blocking_op("TaskTracker::wait", state_->tag, ObjectKind::token, Op::wait, where);
  const std::shared_ptr<State> state = state_;
  wait_until(site, state->waiters, WaitInfo{Op::wait, ObjectKind::token, site.id, kNoTask, where},
             [&state] { return state->closed && state->tasks == 0; });
  emit_done(site, Op::wait, ObjectKind::token, 0, where);
}

}  // namespace weft
