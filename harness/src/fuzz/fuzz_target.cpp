// The fuzz target's side of weft/fuzz.hpp: one execution per input, schedule coverage into
// libFuzzer's extra counters, a trace per failing input, and an abort whose stack depends on the
// failure's signature.
#include <array>
#include <cstdio>
#include <cstdlib>

#include "weft/fuzz.hpp"
#include "weft/harness/registry.hpp"
#include "weft/harness/save_failure.hpp"
#include "weft/harness/schedule_coverage.hpp"
#include "weft/harness/strategies.hpp"

// libFuzzer reads every byte in this section (between the linker's __start_/__stop_ symbols) as
// an extra coverage counter, cleared before each input. Outside a libFuzzer binary the section
// is just an unused array.
#if defined(__linux__)
__attribute__((used, section("__libfuzzer_extra_counters")))
#endif
static std::uint8_t weft_schedule_counters[1 << 14];

namespace weft::fuzz {

// ---- crash frames -----------------------------------------------------------------------------
// ClusterFuzz groups crashes by their type and their "crash state", the top three frames of the
// stack (after frames such as abort and raise, which it ignores). So a failure aborts through
// two frames chosen by bytes of its signature's hash and, on top, a frame named after its kind:
// the crash state reads e.g. "task_panic hash_byte_3f hash_byte_a0". No helper frame sits in
// between: a helper would be the one frame every crash shares.
namespace crash {

using KindFn = void (*)();
// Each frame stores its own number here before going on, so that no two frames have the same
// body (GCC's -fipa-icf and linkers' identical code folding would merge them into one).
volatile unsigned frame_code = 0;
using ByteFn = void (*)(std::uint64_t hash, unsigned level, unsigned kind);

// The X-macro tables below are laid out by hand: clang-format 14 reaches no fixed point on them.
// clang-format off
#define WEFT_FUZZ_KINDS(X)                                                        \
  X(task_panic)                                                                   \
  X(body_failure)                                                                 \
  X(deadlock) X(hang) X(lock_order) X(task_leak) X(long_poll) X(unobserved_panic) \
      X(swallowed_cancellation) X(nondeterminism)
#define WEFT_FUZZ_KIND_FN(name)                 \
  [[gnu::noinline]] void name() {               \
    frame_code = __LINE__ * 1000 + __COUNTER__; \
    std::abort();                               \
  }
WEFT_FUZZ_KINDS(WEFT_FUZZ_KIND_FN)
[[gnu::noinline]] void other_failure() {
  frame_code = 1;
  std::abort();
}
#define WEFT_FUZZ_KIND_ENTRY(name) {FailureKind::name, &(name), #name},
struct KindEntry {
  FailureKind kind;
  KindFn fn;
  const char* name;
};
constexpr KindEntry kKinds[] = {WEFT_FUZZ_KINDS(WEFT_FUZZ_KIND_ENTRY)};
constexpr unsigned kKindCount = sizeof kKinds / sizeof kKinds[0];

constexpr unsigned kHashFrames = 2;
extern const std::array<ByteFn, 256> kByteFns;

// Calls the next frame: another hash byte, or the kind's frame. A macro, not a function, so that
// it adds no frame. The volatile read keeps the call a real call (no tail call, no folding).
#define WEFT_FUZZ_NEXT_FRAME(hash, level, kind)                                        \
  do {                                                                                 \
    if ((level) < kHashFrames) {                                                       \
      ByteFn volatile next = kByteFns[((hash) >> (8 * (level))) & 0xff];               \
      next((hash), (level) + 1, (kind));                                               \
    } else {                                                                           \
      KindFn volatile last = (kind) < kKindCount ? kKinds[(kind)].fn : &other_failure; \
      last();                                                                          \
    }                                                                                  \
    asm volatile("" ::: "memory");                                                     \
  } while (false)

#define WEFT_FUZZ_BYTE_FN(hi, lo)                                                                \
  [[gnu::noinline]] void hash_byte_##hi##lo(std::uint64_t hash, unsigned level, unsigned kind) { \
    frame_code = 0x1##hi##lo;                                                                    \
    WEFT_FUZZ_NEXT_FRAME(hash, level, kind);                                                     \
  }
#define WEFT_FUZZ_BYTES_HI(hi, X)                                                           \
  X(hi, 0)                                                                                  \
  X(hi, 1)                                                                                  \
  X(hi, 2) X(hi, 3) X(hi, 4) X(hi, 5) X(hi, 6) X(hi, 7) X(hi, 8) X(hi, 9) X(hi, a) X(hi, b) \
      X(hi, c) X(hi, d) X(hi, e) X(hi, f)
#define WEFT_FUZZ_BYTES(X)                                                               \
  WEFT_FUZZ_BYTES_HI(0, X)                                                               \
  WEFT_FUZZ_BYTES_HI(1, X)                                                               \
  WEFT_FUZZ_BYTES_HI(2, X) WEFT_FUZZ_BYTES_HI(3, X) WEFT_FUZZ_BYTES_HI(4, X)             \
      WEFT_FUZZ_BYTES_HI(5, X) WEFT_FUZZ_BYTES_HI(6, X) WEFT_FUZZ_BYTES_HI(7, X)         \
          WEFT_FUZZ_BYTES_HI(8, X) WEFT_FUZZ_BYTES_HI(9, X) WEFT_FUZZ_BYTES_HI(a, X)     \
              WEFT_FUZZ_BYTES_HI(b, X) WEFT_FUZZ_BYTES_HI(c, X) WEFT_FUZZ_BYTES_HI(d, X) \
                  WEFT_FUZZ_BYTES_HI(e, X) WEFT_FUZZ_BYTES_HI(f, X)
WEFT_FUZZ_BYTES(WEFT_FUZZ_BYTE_FN)
#define WEFT_FUZZ_BYTE_ENTRY(hi, lo) &hash_byte_##hi##lo,
const std::array<ByteFn, 256> kByteFns{WEFT_FUZZ_BYTES(WEFT_FUZZ_BYTE_ENTRY)};
// clang-format on

unsigned kind_index(FailureKind kind) {
  for (unsigned i = 0; i < kKindCount; ++i)
    if (kKinds[i].kind == kind) return i;
  return kKindCount;
}

[[gnu::noinline]] void abort_for(std::uint64_t hash, FailureKind kind) {
  const unsigned k = kind_index(kind);
  WEFT_FUZZ_NEXT_FRAME(hash, 0u, k);
  std::abort();  // not reached
}

}  // namespace crash

namespace {

// FNV-1a: the signature's hash, the same in every process and build.
std::uint64_t signature_hash(const Failure& failure) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : failure.signature()) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

ScheduleCoverage& coverage() {
  static ScheduleCoverage instance(weft_schedule_counters);
  return instance;
}

std::uint32_t rotl(std::uint32_t v, int s) { return v << s | v >> (32 - s); }

}  // namespace

std::string dedup_token(const Failure& failure) {
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(signature_hash(failure)));
  return "weft-" + std::string(to_string(failure.kind)) + "-" + hash;
}

std::vector<std::string> crash_frames(const Failure& failure) {
  const std::uint64_t hash = signature_hash(failure);
  const unsigned k = crash::kind_index(failure.kind);
  std::vector<std::string> frames{std::string("weft::fuzz::crash::") + (k < crash::kKindCount
                                                                            ? crash::kKinds[k].name
                                                                            : "other_failure")};
  for (unsigned level = crash::kHashFrames; level-- > 0;) {
    char name[40];
    std::snprintf(name, sizeof name, "weft::fuzz::crash::hash_byte_%02x",
                  static_cast<unsigned>(hash >> (8 * level) & 0xff));
    frames.emplace_back(name);
  }
  return frames;
}

// SHA-1 (FIPS 180-4), only to name traces the way libFuzzer names artifacts.
std::string sha1_hex(const std::uint8_t* data, std::size_t size) {
  std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::vector<std::uint8_t> message(data, data + size);
  message.push_back(0x80);
  while (message.size() % 64 != 56) message.push_back(0);
  const std::uint64_t bits = static_cast<std::uint64_t>(size) * 8;
  for (int i = 7; i >= 0; --i) message.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
  for (std::size_t block = 0; block < message.size(); block += 64) {
    std::uint32_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = static_cast<std::uint32_t>(message[block + 4 * i]) << 24 |
             static_cast<std::uint32_t>(message[block + 4 * i + 1]) << 16 |
             static_cast<std::uint32_t>(message[block + 4 * i + 2]) << 8 |
             message[block + 4 * i + 3];
    for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      std::uint32_t f, k;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  char out[41];
  for (int i = 0; i < 5; ++i) std::snprintf(out + 8 * i, 9, "%08x", h[i]);
  return out;
}

std::string stem_of(std::string_view path) {
  if (auto slash = path.find_last_of('/'); slash != std::string_view::npos)
    path.remove_prefix(slash + 1);
  if (auto dot = path.find('.'); dot != std::string_view::npos && dot > 0)
    path = path.substr(0, dot);
  return std::string(path);
}

std::string trace_path(std::string_view dir, std::string_view target_name, const std::uint8_t* data,
                       std::size_t size) {
  // The input is the execution: its hash stands where other traces have the seed.
  return trace_file_path(dir, target_name.empty() ? "fuzz" : target_name,
                         strategy_trace_tag(byte_stream_entry(), ExploreOptions{}),
                         sha1_hex(data, size));
}

namespace {
// Where this target's traces go: WEFT_FUZZ_TRACE_DIR, else traces/.
std::string trace_dir() {
  const char* dir = std::getenv("WEFT_FUZZ_TRACE_DIR");
  return dir && *dir ? dir : "traces";
}
}  // namespace

Prepared prepare(ExploreOptions options, ExploreTarget target) {
  Prepared p;
  try {
    apply_environment(options);
    validate(options);
  } catch (const OptionError& e) {
    std::fprintf(stderr, "weft fuzz: error: %s\n", e.what());
    std::exit(2);
  }
  if (const char* f = std::getenv("WEFT_FUZZ_FEEDBACK"); f && *f) {
    const std::string value = f;
    if (value != "0" && value != "1") {
      std::fprintf(stderr, "weft fuzz: error: WEFT_FUZZ_FEEDBACK: expected 0 or 1, got \"%s\"\n",
                   f);
      std::exit(2);
    }
    p.feedback = value == "1";
  }
  if (options.flavor) target.flavor = *options.flavor;
  try {  // before any input runs: a crash found later must not lose its trace
    check_trace_destination(trace_path(trace_dir(), target.name, nullptr, 0));
  } catch (const TraceError& e) {
    std::fprintf(stderr, "weft fuzz: error: %s\n", e.what());
    std::exit(2);
  }
  p.options = std::move(options);
  p.target = std::move(target);
  return p;
}

InputResult check_input(const Prepared& prepared, const std::uint8_t* data, std::size_t size) {
  const ExploreOptions& options = prepared.options;
  ByteStream bytes(data, size);
  bytes.begin_execution(0, 0);
  ScheduleCoverage* observer = prepared.feedback ? &coverage() : nullptr;
  if (observer) observer->begin_execution();
  ExecutionRecord run = run_execution(options, prepared.target, bytes, observer);
  InputResult result;
  if (run.failures.empty()) return result;

  Trace trace = base_trace(options, prepared.target, bytes);
  trace.decisions = run.decisions;
  // The replay records the events that explain the failure.
  ReplayResult replayed = replay(trace, prepared.target, options);
  if (!replayed.failures.empty() && !replayed.mismatch &&
      replayed.failures.front().signature() == run.failures.front().signature()) {
    trace = std::move(replayed.trace);
    result.failures = std::move(replayed.failures);
  } else {
    trace.failure = run.failures.front();
    result.failures = std::move(run.failures);
  }
  result.trace_path = trace_path(trace_dir(), prepared.target.name, data, size);
  try {
    save_trace(trace, result.trace_path);
  } catch (const TraceError& e) {
    std::fprintf(stderr, "weft fuzz: trace not written: %s\n", e.what());
    result.trace_path.clear();
  }
  result.dedup_token = dedup_token(result.failures.front());
  return result;
}

int run_input(const Prepared& prepared, const std::uint8_t* data, std::size_t size) {
  InputResult result = check_input(prepared, data, size);
  if (result.failures.empty()) return 0;
  const Failure& first = result.failures.front();
  std::fprintf(stderr, "weft fuzz: %s\n", first.describe().c_str());
  if (!result.trace_path.empty())
    std::fprintf(stderr, "trace: %s\nrender: weft report %s\n", result.trace_path.c_str(),
                 result.trace_path.c_str());
  std::fprintf(stderr, "DEDUP_TOKEN: %s\nSUMMARY: weft: %s in %s\n", result.dedup_token.c_str(),
               std::string(to_string(first.kind)).c_str(), prepared.target.name.c_str());
  std::fflush(stderr);
  crash::abort_for(signature_hash(first), first.kind);
  return 0;
}

}  // namespace weft::fuzz
