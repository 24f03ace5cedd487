// weft::Semaphore: tokio's fair counting semaphore. acquire(n) waits in FIFO order and returns an
// RAII permit that gives its permits back when destroyed. close() makes every acquire fail;
// acquire_owned() gives a permit that owns a share of the semaphore and can move into a task.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "weft/detail/permit_core.hpp"
#include "weft/detail/primitive.hpp"
#include "weft/detail/select_arm.hpp"
#include "weft/source_location.hpp"

namespace weft {

class Semaphore;
namespace detail {
template <bool Owned>
class AcquireArm;
}

// What acquire throws once the semaphore is closed (tokio's AcquireError).
class AcquireError : public std::runtime_error {
 public:
  AcquireError() : std::runtime_error("semaphore closed") {}
};

// n permits of a Semaphore, returned on destruction (without a scheduling point) unless forgotten.
class [[nodiscard]] SemaphorePermit {
 public:
  SemaphorePermit(SemaphorePermit&& other) noexcept
      : sem_(std::exchange(other.sem_, nullptr)), permits_(std::exchange(other.permits_, 0)) {}
  SemaphorePermit& operator=(SemaphorePermit&&) = delete;
  SemaphorePermit(const SemaphorePermit&) = delete;
  ~SemaphorePermit();

  std::size_t num_permits() const noexcept { return permits_; }
  // Keeps the permits out of the semaphore for good (tokio's forget).
  void forget() noexcept {
    sem_ = nullptr;
    permits_ = 0;
  }

 private:
  friend class Semaphore;
  template <bool>
  friend class detail::AcquireArm;
  SemaphorePermit(Semaphore* sem, std::size_t permits) noexcept : sem_(sem), permits_(permits) {}
  Semaphore* sem_;
  std::size_t permits_;
};

// n permits of a semaphore held through a shared_ptr (tokio's OwnedSemaphorePermit): movable
// into a task, returned when destroyed.
class [[nodiscard]] OwnedSemaphorePermit {
 public:
  OwnedSemaphorePermit(OwnedSemaphorePermit&& other) noexcept
      : sem_(std::move(other.sem_)), permits_(std::exchange(other.permits_, 0)) {}
  OwnedSemaphorePermit& operator=(OwnedSemaphorePermit&& other) noexcept;
  OwnedSemaphorePermit(const OwnedSemaphorePermit&) = delete;
  ~OwnedSemaphorePermit();

  std::size_t num_permits() const noexcept { return permits_; }
  const std::shared_ptr<Semaphore>& semaphore() const noexcept { return sem_; }
  void forget() noexcept {
    sem_.reset();
    permits_ = 0;
  }

 private:
  friend class Semaphore;
  template <bool>
  friend class detail::AcquireArm;
  OwnedSemaphorePermit(std::shared_ptr<Semaphore> sem, std::size_t permits) noexcept
      : sem_(std::move(sem)), permits_(permits) {}
  std::shared_ptr<Semaphore> sem_;
  std::size_t permits_;
};

class Semaphore {
 public:
  // The most permits a semaphore holds (tokio's MAX_PERMITS): a count past it is refused instead
  // of wrapping around to a few permits.
  static constexpr std::size_t max_permits = SIZE_MAX >> 3;

  // Throws std::invalid_argument if permits > max_permits (tokio panics). The construction site
  // (and a name, if given) identify it in reports.
  explicit Semaphore(std::size_t permits, SourceLocation created = SourceLocation::current());
  Semaphore(std::size_t permits, std::string_view name,
            SourceLocation created = SourceLocation::current());
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  // Waits until n permits were handed to this task; waiters are served in FIFO order, and a
  // waiter asking for many holds back later ones asking for few. Throws AcquireError if the
  // semaphore is (or gets) closed, std::invalid_argument if n > max_permits (it could never be
  // served). Precondition: from a task.
  SemaphorePermit acquire(std::size_t n = 1, SourceLocation where = SourceLocation::current());
  // n permits if nobody is queued, n are available and it is open, else std::nullopt.
  std::optional<SemaphorePermit> try_acquire(std::size_t n = 1,
                                             SourceLocation where = SourceLocation::current());
  // acquire() for a permit that holds the semaphore (tokio's Arc<Semaphore>::acquire_owned).
  static OwnedSemaphorePermit acquire_owned(std::shared_ptr<Semaphore> sem, std::size_t n = 1,
                                            SourceLocation where = SourceLocation::current());
  static std::optional<OwnedSemaphorePermit> try_acquire_owned(
      std::shared_ptr<Semaphore> sem, std::size_t n = 1,
      SourceLocation where = SourceLocation::current());
  // Adds n permits (tokio's add_permits), waking queued waiters that can now be served. Throws
  // std::overflow_error if the available permits would pass max_permits (tokio panics).
  void release(std::size_t n = 1, SourceLocation where = SourceLocation::current());
  // Closes it: every waiting and later acquire fails (AcquireError, or std::nullopt from the
  // try_ forms). Permits already held stay valid and still come back. Never waits.
  void close(SourceLocation where = SourceLocation::current());
  bool is_closed() const noexcept {
    detail::note_access(tag_, ObjectKind::semaphore);
    return core_.is_closed();
  }
  std::size_t available_permits() const noexcept {
    detail::note_access(tag_, ObjectKind::semaphore);
    return core_.available();
  }

 private:
  friend class SemaphorePermit;
  friend class OwnedSemaphorePermit;
  template <bool>
  friend class detail::AcquireArm;
  // The wait of acquire and acquire_owned; throws AcquireError when closed.
  void acquire_permits(std::size_t n, const char* what, SourceLocation where);
  bool try_acquire_permits(std::size_t n, SourceLocation where);
  void give_back(std::size_t n) noexcept;

  detail::PermitCore core_;
  mutable detail::ObjectTag tag_;  // mutable: a const query assigns the id (note_access)
};

namespace detail {
// acquire (Owned: acquire_owned) as a select branch: std::nullopt once closed. A lost branch
// gives back the permits it was handed (tokio's Acquire future does when dropped).
template <bool Owned>
class AcquireArm final : public SelectArm {
 public:
  using Permit = std::conditional_t<Owned, OwnedSemaphorePermit, SemaphorePermit>;
  using value_type = std::optional<Permit>;
  AcquireArm(Semaphore& sem, std::size_t n) noexcept : sem_(&sem), n_(n) {}
  AcquireArm(std::shared_ptr<Semaphore> sem, std::size_t n) noexcept
      : owner_(std::move(sem)), sem_(owner_.get()), n_(n) {}
  bool ready() noexcept override {
    if (sem_->core_.is_closed()) return true;
    return armed_ ? PermitCore::granted(w_) : sem_->core_.can_acquire(n_);
  }
  void arm(const OpSite& site) noexcept override {
    if (armed_) return;
    armed_ = true;
    sem_->core_.enqueue(site, w_, n_);
  }
  void disarm(const OpSite& site) noexcept override {
    if (std::exchange(armed_, false)) sem_->core_.give_back(site, w_, n_);
  }
  WaitInfo info(Scheduler& s, SourceLocation where) noexcept override {
    where_ = where;
    return WaitInfo{Op::acquire, ObjectKind::semaphore,
                    object_id(s, sem_->tag_, ObjectKind::semaphore), kNoTask, where};
  }
  value_type take() {
    const OpSite site = quiet_site(sem_->tag_, ObjectKind::semaphore);
    if (sem_->core_.is_closed()) {
      disarm(site);
      emit_done(site, Op::acquire, ObjectKind::semaphore, static_cast<std::int64_t>(n_), where_,
                "closed");
      return std::nullopt;
    }
    if (armed_) {
      armed_ = false;
      w_.leave();
    } else {
      (void)sem_->core_.try_acquire(n_);  // ready() said they are free
    }
    emit_done(site, Op::acquire, ObjectKind::semaphore, static_cast<std::int64_t>(n_), where_);
    if constexpr (Owned)
      return Permit(std::move(owner_), n_);
    else
      return Permit(sem_, n_);
  }

 private:
  std::shared_ptr<Semaphore> owner_;
  Semaphore* sem_;
  std::size_t n_;
  ArmWaiter w_;
  bool armed_ = false;
  SourceLocation where_;
};
}  // namespace detail

namespace when {
// n permits, as Semaphore::acquire (std::nullopt once the semaphore is closed).
inline detail::AcquireArm<false> acquire(Semaphore& sem, std::size_t n = 1) {
  return detail::AcquireArm<false>(sem, n);
}
// n owned permits, as Semaphore::acquire_owned.
inline detail::AcquireArm<true> acquire_owned(std::shared_ptr<Semaphore> sem, std::size_t n = 1) {
  return detail::AcquireArm<true>(std::move(sem), n);
}
}  // namespace when

}  // namespace weft
