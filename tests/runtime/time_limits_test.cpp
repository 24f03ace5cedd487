// Time arithmetic at the clock's limits: "forever" durations saturate instead of wrapping into
// the past (signed overflow), and counts past what the runtime can hold (tokio's limits, a
// choice of more values than a decision lists) are refused.
#include <catch2/catch.hpp>
#include <limits>
#include <stdexcept>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("saturating_add and saturating_sub stop at the clock's limits") {
  const weft::Instant one(1ms);
  CHECK(weft::saturating_add(one, weft::Duration::max()) == weft::Instant::max());
  CHECK(weft::saturating_add(weft::Instant(-1ms), weft::Duration::min()) == weft::Instant::min());
  CHECK(weft::saturating_add(one, 2ms) == weft::Instant(3ms));
  CHECK(weft::saturating_sub(weft::Instant::min(), one) == weft::Duration::min());
  CHECK(weft::saturating_sub(weft::Instant::max(), weft::Instant(-1ms)) == weft::Duration::max());
  CHECK(weft::saturating_sub(weft::Instant(5ms), one) == 4ms);
}

TEST_CASE("sleep(Duration::max()) after the clock moved is forever, not a wrap into the past") {
  weft::Runtime rt;
  const bool woke = rt.block_on([] {
    weft::sleep(1ms);
    auto done = std::make_shared<bool>(false);
    auto sleeper = weft::spawn(
        [done] {
          weft::sleep(weft::Duration::max());
          *done = true;
        },
        "sleeper");
    weft::sleep(10s);
    sleeper.abort();
    return *done;
  });
  CHECK_FALSE(woke);
}

TEST_CASE("timeout(Duration::max()) and join_for(Duration::max()) wait for the work") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::sleep(1ms);
    auto value = weft::timeout(weft::Duration::max(), [] {
      weft::sleep(5ms);
      return 42;
    });
    REQUIRE(value.has_value());
    CHECK(*value == 42);
    auto h = weft::spawn(
        [] {
          weft::sleep(3ms);
          return 7;
        },
        "worker");
    auto joined = h.join_for(weft::Duration::max());
    REQUIRE(joined.has_value());
    CHECK(*joined == 7);
    // A deadline long past: timeout_at's remaining time saturates instead of overflowing.
    auto late = weft::timeout_at(weft::Instant::min(), [] {
      weft::sleep(1ms);
      return 1;
    });
    CHECK_FALSE(late.has_value());
  });
}

TEST_CASE("advance(Duration::max()) moves the clock to its end instead of wrapping") {
  weft::Runtime rt;
  rt.block_on([] {
    weft::sleep(1ms);
    weft::advance(weft::Duration::max());
    CHECK(weft::now() == weft::Instant::max());
    weft::advance(1ms);  // nothing left to add
    CHECK(weft::now() == weft::Instant::max());
  });
}

TEST_CASE("a broadcast capacity past SIZE_MAX / 2 is refused, as tokio refuses it") {
  CHECK_THROWS_AS(weft::broadcast::channel<int>(std::numeric_limits<std::size_t>::max() / 2 + 2),
                  std::invalid_argument);
  CHECK_THROWS_AS(weft::broadcast::channel<int>(0), std::invalid_argument);
}

TEST_CASE("semaphore permits stop at tokio's MAX_PERMITS instead of wrapping") {
  static constexpr std::size_t max = weft::Semaphore::max_permits;
  STATIC_REQUIRE(max == std::numeric_limits<std::size_t>::max() >> 3);
  CHECK_THROWS_AS(weft::Semaphore(std::numeric_limits<std::size_t>::max()), std::invalid_argument);
  CHECK_NOTHROW(weft::Semaphore(max));
  weft::Runtime rt;
  rt.block_on([] {
    weft::Semaphore full(max);
    // SIZE_MAX permits plus 2 used to wrap to 1 available permit.
    CHECK_THROWS_AS(full.release(2), std::overflow_error);
    CHECK(full.available_permits() == max);
    weft::Semaphore some(max - 5);
    CHECK_NOTHROW(some.release(5));
    CHECK(some.available_permits() == max);
    CHECK_THROWS_AS(some.acquire(max + 1), std::invalid_argument);
    {
      auto permit = some.acquire(max);
      CHECK(some.available_permits() == 0);
    }
    CHECK(some.available_permits() == max);  // held permits come back whole
  });
}

TEST_CASE("weft::choose refuses more values than a decision can list") {
  weft::Runtime rt;
  rt.block_on([] {
    CHECK_THROWS_AS(weft::choose(std::size_t{1} << 33), std::invalid_argument);
    CHECK_THROWS_AS(weft::choose(0), std::invalid_argument);
    CHECK(weft::choose(weft::kMaxChoice) == 0);  // the default chooser takes the first
  });
}
