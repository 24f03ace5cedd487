// Fuzzer-driven decisions: each answer is read from a byte buffer (libFuzzer's input).
//
// Source: the "bytes to decisions" approach of fuzzing-driven schedulers (e.g. shuttle's
// PctScheduler/RandomScheduler fed by arbitrary bytes, and LLVM libFuzzer's FuzzedDataProvider).
// Guarantee: every schedule is reachable: index = (next byte) % candidates, or the next two bytes
// little endian % candidates when there are more than 256 candidates (a single byte left is used
// alone). Once the bytes run out every answer is 0, the runtime's default order, so short inputs
// mean few deviations from the default schedule and the fuzzer's mutations map to local changes.
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weft/harness/registry.hpp"
#include "weft/harness/strategies.hpp"

namespace weft {

bool ByteStream::begin_execution(std::uint64_t index, std::uint64_t) {
  if (index != 0) return false;
  offset_ = 0;
  ended_ = false;
  return true;
}

std::size_t ByteStream::choose(DecisionKind, const Candidates& candidates, const DecisionContext&) {
  if (candidates.size() < 2 || offset_ >= bytes_.size()) return 0;
  std::size_t value = bytes_[offset_++];
  if (candidates.size() > 256 && offset_ < bytes_.size())
    value |= static_cast<std::size_t>(bytes_[offset_++]) << 8;
  return value % candidates.size();
}

nlohmann::json ByteStream::parameters() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes_.size() * 2);
  for (std::uint8_t b : bytes_) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  return nlohmann::json{{"bytes", hex}};
}

std::unique_ptr<Strategy> ByteStream::clone() const { return std::make_unique<ByteStream>(bytes_); }

namespace {

std::optional<std::vector<std::uint8_t>> parse_hex(const std::string& hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return bytes;
}

}  // namespace

const StrategyEntry& byte_stream_entry() {
  static const StrategyEntry entry{
      .name = "bytes",
      .help = "decisions read from a fuzzer's input bytes",
      .records = "bytes (lowercase hex)",
      .options = {},
      .seeded = false,
      .selectable = false,
      .measured = false,
      .parameters = {},
      .make = [](ParameterReader& p) -> std::unique_ptr<Strategy> {
        std::vector<std::uint8_t> bytes;
        if (const nlohmann::json* hex = p.find("bytes")) {
          auto parsed = hex->is_string() ? parse_hex(hex->get<std::string>()) : std::nullopt;
          if (parsed)
            bytes = std::move(*parsed);
          else
            p.fail("\"bytes\" must be a string of hex digit pairs");
        }
        return std::make_unique<ByteStream>(std::move(bytes));
      },
      .validate = {},
  };
  return entry;
}

}  // namespace weft
