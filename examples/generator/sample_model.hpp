// The pizza-sales sample: menu, PRNG and order model. Pure computation (no files, no DuckDB), so the
// exact sequence is easy to reproduce elsewhere (tests/sample/expected.py does, in Python). The
// algorithm is documented step by step in examples/generator/README.md; keep the two in sync.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace athena_runner::sample {

// splitmix64 (Steele, Lea, Flood 2014; the seeding generator of xoroshiro): small, fast, fully specified.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // next() % bound: the modulo bias (below 2^-50 for our bounds) is irrelevant here and keeps the
  // reference implementation a one-liner.
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }

 private:
  std::uint64_t state_;
};

enum class Size { S, M, L };
inline constexpr std::array<Size, 3> kSizes{Size::S, Size::M, Size::L};
inline constexpr std::array<std::string_view, 3> kSizeNames{"S", "M", "L"};
inline constexpr std::array<std::string_view, 3> kSizeSuffixes{"_s", "_m", "_l"};
// How often each size is chosen (S, M, L).
inline constexpr std::array<std::uint64_t, 3> kSizeWeights{35, 38, 27};

struct PizzaType {
  std::string_view pizza_type_id;
  std::string_view name;
  std::string_view category;
  std::string_view ingredients;
  std::array<int, 3> price_cents;  // S, M, L
  std::uint64_t popularity;        // relative weight when a pizza type is chosen
};

// The 32 pizza types, in pizza_types.csv order (pizzas.csv lists each type's S, M, L in this order).
const std::vector<PizzaType>& menu();

// Orders per day by weekday (Monday first), before the ±kOrdersJitter daily jitter.
inline constexpr std::array<int, 7> kOrdersPerWeekday{860, 900, 950, 1020, 1380, 1430, 1090};
inline constexpr int kOrdersJitter = 60;
// Opening hours 11:00-23:00; weight of each hour from 11 to 22 (lunch and dinner peaks).
inline constexpr int kOpeningHour = 11;
inline constexpr std::array<std::uint64_t, 12> kHourWeights{6, 14, 12, 6, 4, 5, 9, 13, 12, 9, 5, 3};
// Distinct pizzas (pizza_id) per order: 1 + below(kMaxLinesPerOrder).
inline constexpr int kMaxLinesPerOrder = 4;
// Quantity 1, 2, 3 of a line.
inline constexpr std::array<std::uint64_t, 3> kQuantityWeights{85, 12, 3};

struct OrderLine {
  std::int64_t order_details_id;
  std::int64_t order_id;
  int type_index;  // into menu()
  Size size;
  int quantity;
  int seconds_of_day;  // order time
};

struct SampleParameters {
  std::chrono::sys_days start;
  int days = 0;
  std::uint64_t seed = 0;
};

// Generates the order lines of every day in order, calling `emit_day(date, lines)` once per day
// (lines of one day; ids continue across days).
void generate_orders(const SampleParameters& parameters,
                     const std::function<void(std::chrono::sys_days, const std::vector<OrderLine>&)>& emit_day);

// "bbq_ckn_l" for type bbq_ckn, size L.
std::string pizza_id(const PizzaType& type, Size size);

// YYYY-MM-DD; parse returns nullopt unless the text is a valid calendar date in that form.
std::string format_date(std::chrono::sys_days day);
std::optional<std::chrono::sys_days> parse_date(std::string_view text);

}  // namespace athena_runner::sample
