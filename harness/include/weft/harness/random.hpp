// Deterministic pseudo-random numbers for decisions: SplitMix64 to derive seeds, xoshiro256** to
// draw, and Lemire's nearly-divisionless bounded mapping. Never std::uniform_int_distribution:
// its output is implementation-defined, and schedules must be the same on every machine.
#pragma once
#include <cstdint>

namespace weft {

// SplitMix64 (Steele, Lea, Flood 2014): one step, used to derive seeds and seed xoshiro.
inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The seed of execution `index` of a run with base seed `base`: execution 0 uses the base seed
// itself, so a failing execution's seed replays it as a one-execution run.
inline std::uint64_t execution_seed(std::uint64_t base, std::uint64_t index) noexcept {
  if (index == 0) return base;
  std::uint64_t state = base ^ (index * 0xD1B54A32D192ED03ULL);
  return splitmix64(state);
}

// xoshiro256** 1.0 (Blackman, Vigna 2018).
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) noexcept { reseed(seed); }
  void reseed(std::uint64_t seed) noexcept {
    for (auto& word : s_) word = splitmix64(seed);
  }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n). Precondition: n > 0. Lemire 2019, "Fast Random Integer Generation in an
  // Interval", with the rejection step so every value is equally likely.
  std::uint64_t below(std::uint64_t n) noexcept {
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace weft
