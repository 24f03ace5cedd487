// How a dropped task's stack unwinds: destructors run with std::uncaught_exceptions() counting
// the unwinding, catch (...) blocks see it and `throw;` continues it, a task blocked inside a
// handler of its own exception unwinds cleanly, and one that swallows the unwinding is noticed.
#include <catch2/catch.hpp>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {
// Records, when destroyed, how many exceptions were in flight.
struct Witness {
  std::vector<int>* seen;
  ~Witness() { seen->push_back(std::uncaught_exceptions()); }
};
}  // namespace

TEST_CASE("a dropped task's destructors run while the unwinding counts as an uncaught exception") {
  std::vector<int> seen;
  weft::Runtime rt;
  rt.block_on([&] {
    weft::spawn([&] {
      Witness outer{&seen};
      Witness inner{&seen};
      weft::sleep(1h);
    });
    weft::yield_now();
  });
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == 1);
  CHECK(seen[1] == 1);
}

TEST_CASE("catch (...) sees the unwinding of a dropped task and throw; carries it on") {
  std::vector<std::string> log;
  weft::Runtime rt;
  rt.block_on([&] {
    weft::spawn([&] {
      struct Outer {
        std::vector<std::string>* log;
        ~Outer() { log->push_back("outer destroyed"); }
      } outer{&log};
      try {
        weft::sleep(1h);
      } catch (const std::exception&) {
        log.push_back("caught as std::exception");  // must not happen: it is no std::exception
        throw;
      } catch (...) {
        log.push_back("caught by catch (...)");
        CHECK(std::current_exception() != nullptr);
        throw;
      }
    });
    weft::yield_now();
  });
  CHECK(log == std::vector<std::string>{"caught by catch (...)", "outer destroyed"});
}

TEST_CASE("a task dropped while blocked inside a handler of its own exception unwinds cleanly") {
  std::vector<std::string> log;
  weft::Runtime rt;
  rt.block_on([&] {
    weft::spawn([&] {
      try {
        throw std::runtime_error("first attempt failed");
      } catch (const std::runtime_error& e) {
        struct Retry {
          std::vector<std::string>* log;
          ~Retry() { log->push_back("retry state destroyed"); }
        } retry{&log};
        log.push_back(std::string("waiting to retry after: ") + e.what());
        weft::sleep(1h);  // dropped here, inside the handler
        log.push_back("never reached");
      }
    });
    weft::yield_now();
  });
  CHECK(log == std::vector<std::string>{"waiting to retry after: first attempt failed",
                                        "retry state destroyed"});
  CHECK(std::uncaught_exceptions() == 0);
  // The thread's exception state is intact: throwing and catching still works.
  CHECK_THROWS_AS(throw std::logic_error("after"), std::logic_error);
}

TEST_CASE("a task that swallows its unwinding is finished as cancelled, not left running") {
  int resumed_after_swallow = 0;
  weft::Runtime rt;
  rt.block_on([&] {
    weft::spawn([&] {
      try {
        weft::sleep(1h);
      } catch (...) {
        // no rethrow: the task returns normally while being dropped
      }
      ++resumed_after_swallow;
    });
    weft::yield_now();
  });
  CHECK(resumed_after_swallow == 1);
  CHECK(std::uncaught_exceptions() == 0);
}

TEST_CASE("a cancellation captured as exception_ptr can be rethrown and still ends the task") {
  std::vector<std::string> log;
  weft::Runtime rt;
  rt.block_on([&] {
    weft::spawn([&] {
      std::exception_ptr captured;
      try {
        weft::sleep(1h);
      } catch (...) {
        captured = std::current_exception();
      }
      log.push_back("rethrowing");
      std::rethrow_exception(captured);
    });
    weft::yield_now();
  });
  CHECK(log == std::vector<std::string>{"rethrowing"});
}
