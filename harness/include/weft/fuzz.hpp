// libFuzzer (and OSS-Fuzz / ClusterFuzzLite) integration: makes a weft test body a fuzz target.
// The fuzzer's bytes are the decisions of one execution (weft::ByteStream: each byte picks among
// the runnable tasks, timer ties and shutdown drop orders), so the body a Catch2 test explores
// with WEFT_EXPLORE is the body a fuzzer explores here. Build with clang -fsanitize=fuzzer.
//
//   #include <weft/fuzz.hpp>
//   #include <weft/weft.hpp>
//
//   WEFT_FUZZ_TARGET(weft::ExploreOptions{}, [] {
//     weft::Runtime rt;
//     rt.block_on([] { ... });
//   })
//
// A failing execution (any detector's failure: panic, deadlock, hang, ...):
//  - writes its trace to $WEFT_FUZZ_TRACE_DIR (default traces/) as <target>-<sha1>.json, where
//    <sha1> is the SHA-1 of the input, the name libFuzzer gives the artifact (crash-<sha1>), so
//    no trace overwrites another's; weft report renders it, weft replay replays it (for a
//    registered scenario), and running the target on the artifact writes it again;
//  - prints the failure, the trace's path, a "DEDUP_TOKEN: weft-<kind>-<hash>" line and a
//    SUMMARY line, and aborts through frames chosen by the failure's signature (kind, task,
//    site), so that ClusterFuzz (crash state = the top three frames) and libFuzzer's -fork mode
//    (DEDUP_TOKEN) see two different bugs as two different crashes.
// Schedule coverage (weft/harness/schedule_coverage.hpp) is fed to libFuzzer's extra counters;
// WEFT_FUZZ_FEEDBACK=0 turns it off. WEFT_* variables (weft/harness/options.hpp) override the
// options; a bad value prints one line and exits with status 2.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "weft/harness/explorer.hpp"

namespace weft::fuzz {

// A target ready to run inputs: options with the environment applied and validated.
struct Prepared {
  ExploreOptions options;
  ExploreTarget target;
  bool feedback = true;  // schedule coverage into libFuzzer's extra counters
};
// Prints one line and exits with status 2 on a bad option or environment value.
Prepared prepare(ExploreOptions options, ExploreTarget target);

// What one input did. When it failed, its trace has been written to trace_path.
struct InputResult {
  std::vector<Failure> failures;  // earliest first; empty when clean
  std::string trace_path;
  std::string dedup_token;
};
// Runs one execution with `data` as its decisions; writes the trace of a failing one.
InputResult check_input(const Prepared& prepared, const std::uint8_t* data, std::size_t size);

// The fuzz target's body: 0 for a clean execution; a failing one is reported (see above) and
// aborts. Call it from LLVMFuzzerTestOneInput (WEFT_FUZZ_TARGET does).
int run_input(const Prepared& prepared, const std::uint8_t* data, std::size_t size);

// Failure identity for crash deduplication: "weft-<kind>-<16 hex digits of the signature hash>".
std::string dedup_token(const Failure& failure);
// The function names the abort goes through for this failure, innermost first (the crash state
// ClusterFuzz would compute).
std::vector<std::string> crash_frames(const Failure& failure);
// Lowercase hex SHA-1 of the input, as in libFuzzer's artifact names.
std::string sha1_hex(const std::uint8_t* data, std::size_t size);
// "<dir>/<target name made file-safe>-bytes-<sha1>.json" (trace_file_path: the input stands for
// the seed)
std::string trace_path(std::string_view dir, std::string_view target_name, const std::uint8_t* data,
                       std::size_t size);
// The file name of `path` without directories and extension ("fuzz/my_test.cpp" -> "my_test").
std::string stem_of(std::string_view path);

}  // namespace weft::fuzz

// Defines LLVMFuzzerTestOneInput for `body` (anything callable as void()), explored with
// `options` (a weft::ExploreOptions). The trace names use the source file's name.
#define WEFT_FUZZ_TARGET(options, ...)                                                     \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* weft_fuzz_data_,               \
                                        std::size_t weft_fuzz_size_) {                     \
    static const ::weft::fuzz::Prepared weft_fuzz_prepared_ = ::weft::fuzz::prepare(       \
        (options), ::weft::ExploreTarget{::weft::fuzz::stem_of(__FILE__),                  \
                                         ::weft::Flavor::multi_thread, __VA_ARGS__});      \
    return ::weft::fuzz::run_input(weft_fuzz_prepared_, weft_fuzz_data_, weft_fuzz_size_); \
  }
