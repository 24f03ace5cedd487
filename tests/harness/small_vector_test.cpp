// SmallVector (the DPOR search's access and step lists): inline up to N, spilled past it, and
// copies, moves and reuse that keep the elements whichever side of N the source and target are.
#include "weft/harness/small_vector.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <utility>
#include <vector>

using weft::SmallVector;

namespace {

using List = SmallVector<std::uint32_t, 4>;

List make(std::uint32_t count, std::uint32_t first = 0) {
  List list;
  for (std::uint32_t i = 0; i < count; ++i) list.push_back(first + i);
  return list;
}

std::vector<std::uint32_t> items(const List& list) { return {list.begin(), list.end()}; }

std::vector<std::uint32_t> expected(std::uint32_t count, std::uint32_t first = 0) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = 0; i < count; ++i) out.push_back(first + i);
  return out;
}

}  // namespace

TEST_CASE("SmallVector holds its elements inline and past its inline capacity", "[small_vector]") {
  for (std::uint32_t count : {0U, 1U, 4U, 5U, 9U, 40U}) {
    const List list = make(count);
    CHECK(list.size() == count);
    CHECK(list.empty() == (count == 0));
    CHECK(items(list) == expected(count));
    if (count > 0) CHECK(list.back() == count - 1);
  }
}

TEST_CASE("SmallVector copies and moves keep the elements", "[small_vector]") {
  for (std::uint32_t from : {0U, 3U, 4U, 7U}) {
    for (std::uint32_t to : {0U, 2U, 6U}) {
      INFO("from " << from << " to " << to);
      List source = make(from, 100);
      List copy(source);
      CHECK(items(copy) == expected(from, 100));
      List target = make(to);
      target = source;
      CHECK(items(target) == expected(from, 100));
      CHECK(items(source) == expected(from, 100));
      target.push_back(7);  // the copy is its own: the source does not change
      CHECK(items(source) == expected(from, 100));
      List moved = make(to);
      moved = std::move(source);
      CHECK(items(moved) == expected(from, 100));
      List constructed(std::move(moved));
      CHECK(items(constructed) == expected(from, 100));
    }
  }
}

TEST_CASE("SmallVector reused after clear, pop_back and assign", "[small_vector]") {
  List list = make(9);
  list.clear();
  CHECK(list.empty());
  list.push_back(5);
  list.push_back(6);
  list.pop_back();
  CHECK(items(list) == std::vector<std::uint32_t>{5});
  const List copy = list;  // a spilled source with few elements, copied into an inline target
  CHECK(items(copy) == std::vector<std::uint32_t>{5});
  list.assign(6, 2);
  CHECK(items(list) == std::vector<std::uint32_t>(6, 2));
  list.assign(2, 3);
  CHECK(items(list) == std::vector<std::uint32_t>(2, 3));
  const List other = make(2);
  list.append(other.begin(), other.end());
  CHECK(items(list) == std::vector<std::uint32_t>{3, 3, 0, 1});
  CHECK(list == list);
  CHECK_FALSE(list == other);
}
