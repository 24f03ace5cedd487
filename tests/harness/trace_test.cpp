// Trace files: round trips, byte stability and one-line errors for every kind of bad input.
#include "weft/harness/trace.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "weft/harness/save_failure.hpp"
#include "weft/harness/text.hpp"

namespace {
weft::Trace sample() {
  weft::Trace t;
  t.scenario = "sample";
  t.flavor = weft::Flavor::current_thread;
  t.strategy = "pct";
  t.strategy_parameters = {{"depth", 3}, {"steps", 40}};
  t.seed = 12345678901234ULL;
  t.execution = 7;
  t.max_steps = 1000;
  t.decisions = {{weft::DecisionKind::schedule, 1, 3, 2, true},
                 {weft::DecisionKind::shutdown, 0, 2, 1, false}};
  weft::Failure f;
  f.kind = weft::FailureKind::task_panic;
  f.task = 2;
  f.task_name = "producer";
  f.message = "task 'producer' (#2) panicked: bad optional access";
  f.step = 44;
  f.where = weft::Location{"scenarios/src/x.cpp", 12, "fn"};
  f.details = {"spawned at scenarios/src/x.cpp:10"};
  t.failure = f;
  t.tasks = {{0, "main", weft::kNoTask, {"a.cpp", 1, ""}}, {2, "producer", 0, {"a.cpp", 2, ""}}};
  weft::TraceEvent e;
  e.step = 3;
  e.time_ns = 4000000;
  e.kind = weft::EventKind::drop;
  e.task = 1;
  e.where = {"a.cpp", 9, ""};
  t.events = {e};
  return t;
}

std::string error_of(const std::string& text) {
  try {
    weft::parse_trace(text);
  } catch (const weft::TraceError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("a trace writes and parses back to the same bytes") {
  const std::string text = weft::write_trace(sample());
  weft::Trace back = weft::parse_trace(text);
  CHECK(weft::write_trace(back) == text);
  CHECK(back.seed == 12345678901234ULL);
  CHECK(back.decisions.size() == 2);
  CHECK(back.decisions[0].preemption);
  REQUIRE(back.failure);
  CHECK(back.failure->signature() == sample().failure->signature());
  CHECK(back.events.at(0).kind == weft::EventKind::drop);
}

TEST_CASE("bad trace input is one clear line, never a crash") {
  nlohmann::json good = weft::to_json(sample());
  auto with = [&](auto edit) {
    nlohmann::json j = good;
    edit(j);
    return error_of(j.dump());
  };
  CHECK(error_of("") == "invalid trace: not valid JSON");
  CHECK(error_of("{") == "invalid trace: not valid JSON");
  CHECK(error_of("[1,2]") == "invalid trace: the top level is not an object");
  CHECK(with([](auto& j) { j["format"] = "other"; }) ==
        "invalid trace: \"format\" is not \"weft-trace\"");
  CHECK(with([](auto& j) { j["version"] = 2; }) ==
        "trace version 2 is not supported (this weft reads version 1)");
  CHECK(with([](auto& j) { j["flavor"] = "threads"; }) ==
        "invalid trace: \"flavor\" must be multi_thread or current_thread");
  CHECK(with([](auto& j) { j["decisions"][0]["index"] = 5; }) ==
        "invalid trace: decision 0: index 5 is not below \"of\" 3");
  CHECK(with([](auto& j) { j["decisions"][1]["kind"] = "bogus"; }) ==
        "invalid trace: decision 1: unknown decision kind \"bogus\"");
  CHECK(with([](auto& j) { j["seed"] = -1; }) ==
        "invalid trace: trace.seed is not a non-negative integer");
  CHECK(with([](auto& j) { j.erase("scenario"); }) == "invalid trace: trace has no \"scenario\"");
  CHECK(with([](auto& j) { j["failure"]["kind"] = "oops"; }) ==
        "invalid trace: failure.kind \"oops\" is not a failure kind");
  CHECK(with([](auto& j) { j["events"][0]["kind"] = 3; }) ==
        "invalid trace: events[0].kind is not a string");
  for (const std::string& message :
       {error_of("\x01\x02"), with([](auto& j) { j["decisions"] = 7; }),
        with([](auto& j) { j["tasks"][0]["id"] = "x"; })})
    CHECK(message.find('\n') == std::string::npos);
}

TEST_CASE("source locations do not depend on where the code was built") {
  // weft's own sources: meson maps the source root away, in the tree or outside it.
  CHECK(weft::Location::from(weft::SourceLocation::current()).file ==
        "tests/harness/trace_test.cpp");
  // A build directory inside the user's tree gives paths relative to it.
  CHECK(weft::Location::from(weft::SourceLocation::current("../../src/a.cpp", "f", 3)).file ==
        "src/a.cpp");
  // A chosen root makes absolute paths under it relative, and leaves others alone.
  const std::string before = weft::source_root();
  weft::set_source_root("/home/me/project");
  CHECK(weft::source_root() == "/home/me/project/");
  CHECK(weft::Location::from(weft::SourceLocation::current("/home/me/project/src/a.cpp", "f", 3))
            .to_string() == "src/a.cpp:3");
  CHECK(weft::Location::from(weft::SourceLocation::current("/usr/include/x.hpp", "f", 3)).file ==
        "/usr/include/x.hpp");
  weft::set_source_root(before);
}

TEST_CASE("text from the program that is not UTF-8 or carries control characters is made safe") {
  CHECK(weft::valid_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(weft::valid_utf8("a\xFF"
                         "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(weft::valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  CHECK(weft::valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(weft::valid_utf8("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // cut short
  CHECK(weft::valid_utf8(weft::valid_utf8("x\xFE")) == weft::valid_utf8("x\xFE"));
  CHECK(weft::printable("red\x1b[31m\nSUMMARY: ok\t") == "red\\x1b[31m\\nSUMMARY: ok\\t");

  // A panic message with an invalid byte and a task name with an ANSI escape and a forged line:
  // the trace is written (nlohmann threw on it before, losing the trace), reads back, and the
  // failure's signature is the same read back as produced, so the trace still replays.
  weft::Trace t = sample();
  t.failure->message = "bad byte \xFF here";
  t.failure->task_name = "evil\x1b[2J\nSUMMARY: weft: no failure";
  t.tasks[1].name = t.failure->task_name;
  std::string text;
  REQUIRE_NOTHROW(text = weft::write_trace(t));
  const weft::Trace back = weft::parse_trace(text);
  CHECK(back.failure->signature() == t.failure->signature());
  CHECK(back.failure->signature().find('\n') == std::string::npos);
  CHECK(back.failure->signature().find('\x1b') == std::string::npos);
  const std::string described = t.failure->describe();
  CHECK(described.find("\nSUMMARY") == std::string::npos);
  CHECK(described.find("\\x1b[2J\\nSUMMARY") != std::string::npos);
  CHECK(weft::write_trace(back) == text);
}

TEST_CASE("a trace nested without bound, a device or a directory is refused in one line") {
  const std::string deep = R"({"format":"weft-trace","version":1,"x":)" + std::string(100000, '[') +
                           std::string(100000, ']') + "}";
  CHECK(error_of(deep) == "invalid trace: nested deeper than 64 levels");
  // Nesting up to the limit is still read (and then refused for what is missing).
  const std::string shallow =
      R"({"format":"weft-trace","x":)" + std::string(60, '[') + std::string(60, ']') + "}";
  CHECK(error_of(shallow) == "invalid trace: trace has no \"version\"");

  const auto read_error = [](const std::string& path) -> std::string {
    try {
      weft::read_trace_file(path);
    } catch (const weft::TraceError& e) {
      return e.what();
    }
    return "";
  };
  // /dev/zero used to be read without end.
  CHECK(read_error("/dev/zero") == "cannot read trace file /dev/zero: not a regular file");
  CHECK(read_error("/") == "cannot read trace file /: not a regular file");
  CHECK(read_error("/nonexistent/t.json") ==
        "cannot read trace file /nonexistent/t.json: no such file");
}

namespace {
std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

TEST_CASE("a failed trace write leaves an existing trace whole and no temporary file behind") {
  const auto dir = std::filesystem::temp_directory_path() / "weft-save-trace-test";
  std::filesystem::remove_all(dir);
  const std::string path = (dir / "kept.json").string();
  weft::save_trace(sample(), path);  // makes the directory
  const std::string before = file_text(path);
  REQUIRE(before == weft::write_trace(sample()));

  // A destination that is a directory cannot take the rename: the old files stay as they were.
  std::filesystem::create_directories(dir / "sub.json");
  CHECK_THROWS_AS(weft::save_trace(sample(), (dir / "sub.json").string()), weft::TraceError);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files += entry.is_regular_file();
  CHECK(files == 1);  // kept.json only: no temporary left behind

  // A successful write replaces the trace whole.
  weft::Trace other = sample();
  other.seed = 1;
  weft::save_trace(other, path);
  CHECK(file_text(path) == weft::write_trace(other));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a trace destination is checked before anything runs, creating nothing") {
  const auto dir = std::filesystem::temp_directory_path() / "weft-destination-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "a-file").string();
  std::ofstream(file) << "x";
  auto error_of_destination = [](const std::string& path) -> std::string {
    try {
      weft::check_trace_destination(path);
    } catch (const weft::TraceError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error_of_destination((dir / "t.json").string()).empty());
  CHECK(error_of_destination((dir / "new" / "deeper" / "t.json").string()).empty());
  CHECK_FALSE(std::filesystem::exists(dir / "new"));  // the check made nothing
  CHECK(error_of_destination(file + "/t.json") ==
        "cannot write trace file " + file + "/t.json: " + file + " is not a directory");
  CHECK(error_of_destination(dir.string()) ==
        "cannot write trace file " + dir.string() + ": it is a directory");
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "default trace names: the name, the strategy with its distinguishing parameters, the "
    "seed") {
  weft::ExploreOptions random;
  weft::ExploreOptions pct;
  pct.strategy = "pct";
  weft::ExploreOptions deeper = pct;
  deeper.depth = 5;
  weft::ExploreOptions dfs;
  dfs.strategy = "dfs";
  CHECK(weft::default_trace_path("a test, [x]", random, 1) ==
        "traces/a-test---x--random-0000000000000001.json");
  CHECK(weft::default_trace_path("s", pct, 255) == "traces/s-pct-d3-00000000000000ff.json");
  // Two strategies, or one with other parameters, never share a file for the same seed.
  // DPOR's split depth changes what runs: it is in the name when in effect (--jobs alone sets 4).
  weft::ExploreOptions dpor;
  dpor.strategy = "dpor";
  weft::ExploreOptions dpor_jobs = dpor;
  dpor_jobs.jobs = 2;
  weft::ExploreOptions dpor_split = dpor;
  dpor_split.split_depth = 4;
  CHECK(weft::default_trace_path("s", dpor, 1) == "traces/s-dpor-0000000000000001.json");
  CHECK(weft::default_trace_path("s", dpor_jobs, 1) == "traces/s-dpor-s4-0000000000000001.json");
  CHECK(weft::default_trace_path("s", dpor_split, 1) == "traces/s-dpor-s4-0000000000000001.json");
  std::set<std::string> names;
  for (const weft::ExploreOptions* o : {&random, &pct, &deeper, &dfs, &dpor, &dpor_jobs})
    names.insert(weft::default_trace_path("s", *o, 7));
  CHECK(names.size() == 6);
}
