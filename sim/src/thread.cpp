// weft::sim threads: identity, join and detach, the terminate cases, this_thread.
#include "weft/sim/thread.hpp"

#include <exception>
#include <string>

#include "weft/runtime.hpp"
#include "weft/sim/detail/site.hpp"

namespace weft::sim {

namespace wd = weft::detail;

namespace {
// Executions are told apart by a per-thread count of the runtimes seen: enough for ids to differ
// between two runtimes that follow each other on one OS thread.
std::uint64_t execution_of(const wd::Scheduler* s) noexcept {
  thread_local const wd::Scheduler* last = nullptr;
  thread_local std::uint64_t count = 0;
  if (s != last) {
    last = s;
    ++count;
  }
  return count;
}
}  // namespace

detail::thread_id detail::current_thread_id() noexcept {
  wd::Task* t = wd::current_task();
  if (t == nullptr) return thread_id();
  return thread_id(wd::task_id(t), execution_of(wd::current_scheduler()));
}

bool detail::dropping_current_thread() noexcept { return unwinding_dropped_thread(); }

void detail::escaped(const std::exception& e, SourceLocation created) {
  wd::terminate_execution(std::string("an exception escaped the function of the std::thread "
                                      "created at ") +
                              where_text(created) + ", running as " + current_thread_label() +
                              ": " + e.what() + " (the real program calls std::terminate)",
                          created);
}

namespace {
// What the last join() on this OS thread rethrew from the joined thread (a failed check), so that
// a joinable thread destroyed while it unwinds the joiner can say why the joiner never got there.
// The execution must still end at that destructor: unwinding on would free what the thread uses.
thread_local std::string rethrown_by_join;
thread_local SourceLocation rethrown_where;
}  // namespace

void detail::destroyed_joinable(const char* type, TaskId task, SourceLocation created,
                                const char* how) {
  std::string why;
  // Where the report points: the failed check that started the unwinding when it is known (the
  // cause the user wants), else the thread's creation.
  SourceLocation at = created;
  if (std::uncaught_exceptions() > 0) {
    std::string check;
    SourceLocation check_where;
    if (!rethrown_by_join.empty()) {
      why = " (while unwinding from a failure that join() rethrew: " + rethrown_by_join + ", at " +
            where_text(rethrown_where) + ")";
      at = rethrown_where;
    } else if (wd::last_failed_check(&check, &check_where)) {
      why = " (while an exception unwound it; the thread's last failed check: " + check + ", at " +
            where_text(check_where) + ")";
      at = check_where;
    } else {
      why = " (while an exception unwound it)";
    }
  }
  rethrown_by_join.clear();
  wd::terminate_execution(std::string("a joinable ") + type + " (thread #" + std::to_string(task) +
                              ", created at " + where_text(created) + ") was " + how + " by " +
                              current_thread_label() + why +
                              " without join() or detach(): the real program calls "
                              "std::terminate",
                          at);
}

void detail::thread_base::join(SourceLocation where) {
  if (!joinable())
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "thread::join: not joinable");
  if (get_id() == current_thread_id())
    throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                            "thread::join: a thread cannot join itself");
  rethrown_by_join.clear();
  bool stopped_at_exit = false;
  try {
    handle_.join(where);
  } catch (const JoinError& error) {
    if (error.is_panic()) {
      // Only a failed check gets here (thread_body turns other exceptions into a terminate): the
      // joiner carries it on, so the test fails where the check did (JoinError::where).
      try {
        std::rethrow_exception(error.panic());
      } catch (const std::exception& e) {
        rethrown_by_join = e.what();
        rethrown_where = error.where();
        throw;
      }
    }
    // The thread was dropped because main returned: the process is exiting, and the real joiner
    // would never return from join() either.
    if (!wd::shutting_down()) throw;
    stopped_at_exit = true;
  }
  if (stopped_at_exit) wd::end_at_exit(where);
}

void detail::thread_base::detach(SourceLocation) {
  if (!joinable())
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "thread::detach: not joinable");
  handle_ = JoinHandle<void>();
}

void jthread::finish() noexcept {
  if (!joinable()) return;
  stop_.request_stop();
  if (detail::dropping_current_thread() || wd::current_task() == nullptr) {
    handle_ = JoinHandle<void>();
    return;
  }
  bool stopped_at_exit = false;
  try {
    join(created_);
  } catch (...) {
    // A failed check in the thread (the runtime has already seen it: std::jthread's destructor
    // is noexcept), or the drop of this thread reaching the join: main returned or the run
    // stopped, which the real program knows as the process exit, where this thread stops inside
    // the join. It must not unwind on out of a destructor, nor run on as if joined.
    handle_ = JoinHandle<void>();
    stopped_at_exit = detail::dropping_current_thread();
  }
  if (stopped_at_exit) wd::end_at_exit(created_);
}

thread::id this_thread::get_id() noexcept { return detail::current_thread_id(); }

void this_thread::yield(SourceLocation where) {
  weft::detail::threads_run_in_real_time();
  weft::yield_now(where);
}

}  // namespace weft::sim
