// Operation prologue/epilogue for sync primitives and channels, and the spurious-decision hook.
#include "weft/detail/primitive.hpp"

#include <cstdio>
#include <exception>

#include "scheduler.hpp"

namespace weft::detail {

std::size_t choose_decision(Scheduler& s, DecisionKind kind, std::size_t n, Op op,
                            ObjectId object) {
  return s.choose_decision(kind, n, op, object);
}

bool choose_within_budget(Scheduler& s, DecisionKind kind, Op op, ObjectId object) {
  return s.choose_within_budget(kind, op, object);
}

void terminate_execution(const std::string& message, SourceLocation where) {
  Scheduler* s = current_scheduler();
  if (s == nullptr || s->current() == nullptr) {
    std::fprintf(stderr, "weft: %s (at %s:%u)\n", message.c_str(), where.file_name(),
                 static_cast<unsigned>(where.line()));
    std::terminate();
  }
  s->terminate(message, where);
}

OpSite enter_op(ObjectTag& tag, ObjectKind kind, Op op, SourceLocation where) {
  Scheduler* s = current_scheduler();
  if (s == nullptr) {
    note_foreign_use(tag.runtime_epoch, op, where);
    return {};
  }
  OpSite site{s, object_id(*s, tag, kind), s->current() != nullptr};
  if (site.in_task) schedule_point(*s, op, kind, site.id, where);
  return site;
}

OpSite enter_blocking_op(const char* what, ObjectTag& tag, ObjectKind kind, Op op,
                         SourceLocation where) {
  Scheduler& s = scheduler_for(what, where);
  OpSite site{&s, object_id(s, tag, kind), true};
  schedule_point(s, op, kind, site.id, where);
  return site;
}

OpSite quiet_site(ObjectTag& tag, ObjectKind kind) noexcept {
  Scheduler* s = current_scheduler();
  if (s == nullptr) return {};
  return OpSite{s, object_id(*s, tag, kind), s->current() != nullptr};
}

void note_access(ObjectTag& tag, ObjectKind kind, bool write) noexcept {
  Scheduler* s = current_scheduler();
  if (s == nullptr) return;
  const ObjectId id = object_id(*s, tag, kind);
  // Outside a task (a destructor the runtime runs) the step log orders it with everything.
  if (!s->observes(EventKind::access)) return;
  s->emit(Event{.kind = EventKind::access, .object_kind = kind, .object = id, .value = write});
}

void note_read_of_everything() noexcept {
  Scheduler* s = current_scheduler();
  if (s == nullptr || !s->observes(EventKind::access)) return;
  s->emit(Event{.kind = EventKind::access, .value = 2});
}

void note_progress(const OpSite& site) noexcept {
  if (site.s != nullptr && site.in_task) site.s->progress();
}

void note_task_read(TaskId id) noexcept {
  Scheduler* s = current_scheduler();
  if (s == nullptr || !s->observes(EventKind::access)) return;
  s->emit(Event{.kind = EventKind::access, .object_kind = ObjectKind::task, .object = id});
}

void emit_done(const OpSite& site, Op op, ObjectKind kind, std::int64_t value, SourceLocation where,
               std::string_view outcome) noexcept {
  if (site.s == nullptr || !site.s->observes_op(kind)) return;
  site.s->emit(Event{.kind = EventKind::op,
                     .op = op,
                     .object_kind = kind,
                     .object = site.id,
                     .value = value,
                     .text = outcome,
                     .where = where});
}

bool wake_one(const OpSite& site, WaitQueue& q) noexcept {
  return site.s != nullptr && q.notify_one(*site.s);
}

std::size_t wake_all(const OpSite& site, WaitQueue& q) noexcept {
  return site.s != nullptr ? q.notify_all(*site.s) : 0;
}

}  // namespace weft::detail
