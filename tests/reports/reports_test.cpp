// The renderers: the text timeline's wording, the Chrome/Perfetto JSON's time axis, tracks and
// flows, and the HTML report's drawing and its bound on huge traces. Traces are built by hand so
// that every expected number is known.
#include <catch2/catch.hpp>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "weft/harness/explorer.hpp"
#include "weft/reports/report_formats.hpp"
#include "weft/reports/timeline.hpp"
#include "weft/weft.hpp"

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// main (#0) spawns worker (#1); worker blocks on a channel; after the clock reaches 10 ms main
// wakes it; at shutdown worker is dropped and main panics.
weft::Trace small_trace() {
  using weft::EventKind;
  weft::Trace t;
  t.scenario = "hand-made";
  t.tasks = {{0, "main", weft::kNoTask, {}}, {1, "worker", 0, {"w.cpp", 3, ""}}};
  auto ev = [&](std::uint64_t step, std::int64_t ns, EventKind kind, weft::TaskId task,
                weft::TaskId other = weft::kNoTask) {
    weft::TraceEvent e;
    e.step = step;
    e.time_ns = ns;
    e.kind = kind;
    e.task = task;
    e.other = other;
    return e;
  };
  t.events.push_back(ev(1, 0, EventKind::run, 0));
  t.events.push_back(ev(1, 0, EventKind::spawn, 1, 0));
  t.events.push_back(ev(2, 0, EventKind::run, 1));
  weft::TraceEvent block = ev(2, 0, EventKind::block, 1);
  block.op = weft::Op::recv;
  block.object_kind = weft::ObjectKind::mpsc;
  t.events.push_back(block);
  t.events.push_back(ev(3, 0, EventKind::run, 0));
  weft::TraceEvent clock = ev(3, 0, EventKind::clock_advance, weft::kNoTask);
  clock.value = 10'000'000;
  t.events.push_back(clock);
  t.events.push_back(ev(4, 10'000'000, EventKind::wake, 1, 0));
  t.events.push_back(ev(5, 10'000'000, EventKind::shutdown_begin, 0));
  t.events.push_back(ev(5, 10'000'000, EventKind::drop, 1));
  weft::TraceEvent panic = ev(6, 10'000'000, EventKind::panic, 0);
  panic.text = "boom";
  panic.where = {"m.cpp", 9, ""};
  t.events.push_back(panic);
  weft::Failure f;
  f.kind = weft::FailureKind::task_panic;
  f.task = 0;
  f.task_name = "main";
  f.message = "task 'main' (#0) panicked: boom";
  f.step = 6;
  f.where = panic.where;
  t.failure = f;
  return t;
}

}  // namespace

TEST_CASE("the timeline does not repeat an event's kind its text already starts with") {
  weft::Trace t = small_trace();
  weft::TraceEvent e;
  e.kind = weft::EventKind::deadlock;
  e.text = "deadlock: no task can run and no timer is pending";
  const std::string line = weft::describe(e, t);
  CHECK(line.find("deadlock: no task can run") != std::string::npos);
  CHECK(line.find("deadlock: deadlock") == std::string::npos);
  e.kind = weft::EventKind::hang;
  e.text = "step limit reached";
  CHECK(weft::describe(e, t).find("hang: step limit reached") != std::string::npos);
}

TEST_CASE("the Chrome trace runs on virtual time with a runtime track, flows and names") {
  const auto j = nlohmann::json::parse(weft::render_chrome_trace(small_trace()));
  const auto& events = j.at("traceEvents");
  bool process_name = false, runtime_named = false;
  int flow_starts = 0, flow_ends = 0;
  double clock_ts = -1, wake_ts = -1, spawn_ts = -1;
  for (const auto& e : events) {
    const std::string ph = e.at("ph"), name = e.at("name");
    if (ph == "M" && name == "process_name")
      process_name = e.at("args").at("name") == "weft: hand-made";
    if (ph == "M" && name == "thread_name" && e.at("tid") == 0)
      runtime_named = e.at("args").at("name") == "runtime";
    if (ph == "M" && name == "thread_name" && e.at("args").at("name") == "main #0")
      CHECK(e.at("tid") == 1);  // task 0 is not the runtime's track
    if (ph == "s") {
      ++flow_starts;
      CHECK(e.at("tid") == 1);  // from main, the waker
    }
    if (ph == "f") {
      ++flow_ends;
      CHECK(e.at("tid") == 2);  // to worker
    }
    if (ph == "i" && name == "clock_advance") {
      CHECK(e.at("tid") == 0);
      clock_ts = e.at("ts");
    }
    if (ph == "i" && name == "wake") wake_ts = e.at("ts");
    if (ph == "i" && name == "spawn") spawn_ts = e.at("ts");
  }
  CHECK(process_name);
  CHECK(runtime_named);
  CHECK(flow_starts == 1);
  CHECK(flow_ends == 1);
  // Steps at time 0 are 1 ns apart; the wake at 10 ms of virtual time is at 10,000 us.
  CHECK(spawn_ts == Approx(0.0));
  CHECK(clock_ts == Approx(0.002));
  CHECK(wake_ts == Approx(10000.0));
}

TEST_CASE("the HTML report draws lanes, the wake arrow, the drop, the panic and the failure") {
  const std::string html = weft::render_html(small_trace());
  CHECK(html.find("<svg id=\"lanes\"") != std::string::npos);
  CHECK(count(html, "<g class=\"lane\"") == 3);  // the runtime, main, worker
  CHECK(count(html, "class=\"wake\"") == 1);
  CHECK(html.find("drop 1") != std::string::npos);
  CHECK(html.find("<circle class=\"panic\"") != std::string::npos);
  CHECK(html.find("id=\"failure\"") != std::string::npos);
  CHECK(html.find("href=\"#failure\"") != std::string::npos);
  CHECK(html.find("class=\"blocked\"") != std::string::npos);
  CHECK(html.find(">10ms<") != std::string::npos);                      // the virtual-time ruler
  CHECK(html.find("http") == html.find("http://www.w3.org/2000/svg"));  // no external assets
  CHECK(count(html, "http") == 1);
}

TEST_CASE("the HTML report stays bounded on a huge trace") {
  weft::Trace t = small_trace();
  // 300 tasks and 200,000 events: drawn are the last events and the lanes' bound, not all.
  for (weft::TaskId id = 2; id < 300; ++id) t.tasks.push_back({id, "t", 0, {}});
  const weft::TraceEvent panic = t.events.back();
  t.events.pop_back();
  for (std::uint64_t i = 0; i < 200000; ++i) {
    weft::TraceEvent e;
    e.step = 10 + i;
    e.kind = i % 2 ? weft::EventKind::op : weft::EventKind::run;
    e.op = weft::Op::yield;
    e.task = static_cast<weft::TaskId>(i % 300);
    t.events.push_back(e);
  }
  t.events.push_back(panic);
  const std::string html = weft::render_html(t);
  CHECK(html.size() < 3'000'000);
  CHECK(html.find("events are not drawn") != std::string::npos);
  CHECK(html.find("id=\"failure\"") != std::string::npos);
}

namespace {

int g_queue_line = 0;

// A lock-order inversion between a named mutex and an unnamed one, explored; its trace goes
// through a file's text, so what the reports show comes from the trace alone.
weft::Trace named_lock_trace() {
  auto body = [] {
    weft::Runtime rt;
    rt.block_on([] {
      g_queue_line = __LINE__ + 1;
      weft::Mutex<int> queue(0, "queue");
      weft::Mutex<int> plain(0);
      auto a = weft::spawn([&] {
        auto g1 = queue.lock();
        auto g2 = plain.lock();
      });
      a.join();
      auto g2 = plain.lock();
      auto g1 = queue.lock();
    });
  };
  weft::ExploreOptions o;
  o.strategy = "random";
  o.iterations = 5;
  auto report =
      weft::explore(o, weft::ExploreTarget{"named-locks", weft::Flavor::current_thread, body});
  REQUIRE_FALSE(report.ok());
  REQUIRE(report.trace.has_value());
  return weft::parse_trace(weft::write_trace(*report.trace));
}

// "mutex 'queue' #3" as the text has it, or "" when it does not name it.
std::string find_label(const std::string& text, const std::string& start) {
  const std::size_t at = text.find(start);
  if (at == std::string::npos) return "";
  std::size_t end = at + start.size();
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return end > at + start.size() ? text.substr(at, end - at) : "";
}

}  // namespace

TEST_CASE("reports name objects as the trace's object_created events do, with creation sites") {
  const weft::Trace trace = named_lock_trace();
  const std::string site = "tests/reports/reports_test.cpp:" + std::to_string(g_queue_line);
  const std::string text = weft::render_timeline(trace);
  INFO(text);
  const std::string queue = find_label(text, "lock mutex 'queue' #").substr(5);
  const std::string plain = find_label(text, "lock mutex #").substr(5);
  REQUIRE(queue.rfind("mutex 'queue' #", 0) == 0);
  REQUIRE(plain.rfind("mutex #", 0) == 0);  // the unnamed one keeps its plain name
  CHECK(text.find("objects of named-locks:\n") != std::string::npos);
  CHECK(text.find("  " + queue + " created at " + site + "\n") != std::string::npos);
  const std::string plain_site =
      "tests/reports/reports_test.cpp:" + std::to_string(g_queue_line + 1);
  CHECK(text.find("  " + plain + " created at " + plain_site + "\n") != std::string::npos);
  CHECK(text.find("on task 'queue'") == std::string::npos);  // task ids are not object ids
  CHECK(text.find("first use of " + queue + ", created at " + site) != std::string::npos);

  const std::string html = weft::render_html(trace);
  CHECK(html.find("<h2 id=\"objects\">") != std::string::npos);
  CHECK(html.find("<td>" + queue + "</td><td>at " + site + "</td>") != std::string::npos);
  CHECK(html.find("<td>" + plain + "</td><td>at " + plain_site + "</td>") != std::string::npos);
  CHECK(html.find("lock " + queue + "  at ") != std::string::npos);  // events and tooltips
  CHECK(html.find("<title>") != std::string::npos);

  const auto j = nlohmann::json::parse(weft::render_chrome_trace(trace));
  int named = 0, unnamed = 0;
  for (const auto& e : j.at("traceEvents")) {
    if (!e.contains("args") || !e.at("args").contains("object")) continue;
    const std::string object = e.at("args").at("object");
    if (object == queue) {
      ++named;
      CHECK(e.at("args").at("object_created_at") == site);
      CHECK(std::string(e.at("args").at("text")).find(queue) != std::string::npos);
    }
    if (object == plain) ++unnamed;
  }
  CHECK(named >= 2);  // both of its locks
  CHECK(unnamed >= 2);
}

TEST_CASE("the key timeline keeps other tasks' operations on what the failing task touched") {
  // The reader's check fails on the writer's store: the story needs that store, and its values
  // (0 included) even though the writer is not the failing task.
  const auto body = [] {
    weft::Runtime rt;
    rt.block_on([] {
      auto flag = std::make_shared<weft::Atomic<int>>(5, "flag");
      auto unrelated = std::make_shared<weft::Atomic<int>>(0, "unrelated");
      auto writer = weft::spawn(
          [flag, unrelated] {
            unrelated->store(7);
            flag->store(0);
            flag->store(1);
          },
          "writer");
      auto reader = weft::spawn([flag] { weft::check(flag->load() != 1); }, "reader");
      writer.join();
      reader.join();
    });
  };
  weft::ExploreOptions o;
  o.strategy = "dfs";
  o.iterations = 1000;
  const auto report =
      weft::explore(o, weft::ExploreTarget{"story", weft::Flavor::current_thread, body});
  REQUIRE(report.trace.has_value());
  weft::TimelineOptions key;
  key.key_events_only = true;
  key.include_failure = false;
  const std::string text = weft::render_timeline(*report.trace, key);
  INFO(text);
  CHECK(text.find("'writer' (#1)  store atomic 'flag' #2 value 0") != std::string::npos);
  CHECK(text.find("'writer' (#1)  store atomic 'flag' #2 value 1") != std::string::npos);
  CHECK(text.find("'reader' (#2)  load atomic 'flag' #2 value 1") != std::string::npos);
  CHECK(text.find("'unrelated'") == std::string::npos);  // the reader never touched it
}
