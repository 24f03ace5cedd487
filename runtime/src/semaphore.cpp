// Semaphore operations and permit release; the FIFO handoff lives in PermitCore.
#include "weft/semaphore.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace weft {

SemaphorePermit::~SemaphorePermit() {
  if (sem_ != nullptr && permits_ != 0) sem_->give_back(permits_);
}

OwnedSemaphorePermit& OwnedSemaphorePermit::operator=(OwnedSemaphorePermit&& other) noexcept {
  if (this != &other) {
    if (sem_ && permits_ != 0) sem_->give_back(permits_);
    sem_ = std::move(other.sem_);
    permits_ = std::exchange(other.permits_, 0);
  }
  return *this;
}

OwnedSemaphorePermit::~OwnedSemaphorePermit() {
  if (sem_ && permits_ != 0) sem_->give_back(permits_);
}

namespace {
std::string count_text(std::size_t n) { return std::to_string(n); }
}  // namespace

Semaphore::Semaphore(std::size_t permits, SourceLocation created) : core_(permits) {
  if (permits > max_permits)
    throw std::invalid_argument("a semaphore holds at most " + count_text(max_permits) +
                                " permits (asked for " + count_text(permits) + ")");
  detail::record_creation(tag_, created);
}

Semaphore::Semaphore(std::size_t permits, std::string_view name, SourceLocation created)
    : Semaphore(permits, created) {
  tag_.name = detail::intern_object_name(name);
}

void Semaphore::acquire_permits(std::size_t n, const char* what, SourceLocation where) {
  using namespace detail;
  if (n > max_permits)
    throw std::invalid_argument(std::string(what) + " of " + count_text(n) +
                                " permits can never be served (at most " + count_text(max_permits) +
                                ")");
  const OpSite site = enter_blocking_op(what, tag_, ObjectKind::semaphore, Op::acquire, where);
  if (!core_.acquire(site, n,
                     WaitInfo{Op::acquire, ObjectKind::semaphore, site.id, kNoTask, where})) {
    emit_done(site, Op::acquire, ObjectKind::semaphore, static_cast<std::int64_t>(n), where,
              "closed");
    throw AcquireError();
  }
  emit_done(site, Op::acquire, ObjectKind::semaphore, static_cast<std::int64_t>(n), where);
}

bool Semaphore::try_acquire_permits(std::size_t n, SourceLocation where) {
  using namespace detail;
  const OpSite site = enter_op(tag_, ObjectKind::semaphore, Op::acquire, where);
  if (!core_.try_acquire(n)) {
    emit_done(site, Op::acquire, ObjectKind::semaphore, static_cast<std::int64_t>(n), where,
              core_.is_closed() ? "closed" : "no_permits");
    return false;
  }
  emit_done(site, Op::acquire, ObjectKind::semaphore, static_cast<std::int64_t>(n), where);
  return true;
}

SemaphorePermit Semaphore::acquire(std::size_t n, SourceLocation where) {
  acquire_permits(n, "Semaphore::acquire", where);
  return SemaphorePermit(this, n);
}

std::optional<SemaphorePermit> Semaphore::try_acquire(std::size_t n, SourceLocation where) {
  if (!try_acquire_permits(n, where)) return std::nullopt;
  return SemaphorePermit(this, n);
}

OwnedSemaphorePermit Semaphore::acquire_owned(std::shared_ptr<Semaphore> sem, std::size_t n,
                                              SourceLocation where) {
  sem->acquire_permits(n, "Semaphore::acquire_owned", where);
  return OwnedSemaphorePermit(std::move(sem), n);
}

std::optional<OwnedSemaphorePermit> Semaphore::try_acquire_owned(std::shared_ptr<Semaphore> sem,
                                                                 std::size_t n,
                                                                 SourceLocation where) {
  if (!sem->try_acquire_permits(n, where)) return std::nullopt;
  return OwnedSemaphorePermit(std::move(sem), n);
}

void Semaphore::release(std::size_t n, SourceLocation where) {
  using namespace detail;
  if (n > max_permits - std::min(core_.available(), max_permits))
    throw std::overflow_error("Semaphore::release of " + count_text(n) + " permits would pass " +
                              count_text(max_permits) + " (" + count_text(core_.available()) +
                              " available)");
  const OpSite site = enter_op(tag_, ObjectKind::semaphore, Op::release, where);
  emit_done(site, Op::release, ObjectKind::semaphore, static_cast<std::int64_t>(n), where);
  core_.release(site, n);
}

void Semaphore::close(SourceLocation where) {
  using namespace detail;
  const OpSite site = enter_op(tag_, ObjectKind::semaphore, Op::close, where);
  emit_done(site, Op::close, ObjectKind::semaphore, 0, where);
  core_.close(site);
}

void Semaphore::give_back(std::size_t n) noexcept {
  using namespace detail;
  const OpSite site = quiet_site(tag_, ObjectKind::semaphore);
  emit_done(site, Op::release, ObjectKind::semaphore, static_cast<std::int64_t>(n), {});
  core_.release(site, n);
}

}  // namespace weft
