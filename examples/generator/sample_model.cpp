#include "sample_model.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <numeric>
#include <span>

namespace athena_runner::sample {

namespace {

// Index i with probability weights[i] / sum(weights): r = below(sum), then walk the weights.
std::size_t pick_weighted(SplitMix64& random, std::span<const std::uint64_t> weights, std::uint64_t total) {
  std::uint64_t r = random.below(total);
  std::size_t index = 0;
  while (r >= weights[index]) {
    r -= weights[index];
    ++index;
  }
  return index;
}

std::uint64_t sum_of(std::span<const std::uint64_t> weights) {
  return std::accumulate(weights.begin(), weights.end(), std::uint64_t{0});
}

}  // namespace

const std::vector<PizzaType>& menu() {
  // Names and ingredients after the well-known "Pizza Place Sales" example menu; prices in cents.
  static const std::vector<PizzaType> kMenu{
      {"bbq_ckn",
       "The Barbecue Chicken Pizza",
       "Chicken",
       "Barbecued Chicken, Red Peppers, Green Peppers, Tomatoes, Red Onions, Barbecue Sauce",
       {1275, 1675, 2075},
       9},
      {"cali_ckn",
       "The California Chicken Pizza",
       "Chicken",
       "Chicken, Artichoke, Spinach, Garlic, Jalapeno Peppers, Fontina Cheese, Gouda Cheese",
       {1275, 1675, 2075},
       9},
      {"ckn_alfredo",
       "The Chicken Alfredo Pizza",
       "Chicken",
       "Chicken, Red Onions, Red Peppers, Mushrooms, Asiago Cheese, Alfredo Sauce",
       {1275, 1675, 2075},
       4},
      {"ckn_pesto",
       "The Chicken Pesto Pizza",
       "Chicken",
       "Chicken, Tomatoes, Red Peppers, Spinach, Garlic, Pesto Sauce",
       {1275, 1675, 2075},
       4},
      {"southw_ckn",
       "The Southwest Chicken Pizza",
       "Chicken",
       "Chicken, Tomatoes, Red Peppers, Red Onions, Jalapeno Peppers, Corn, Cilantro, Chipotle Sauce",
       {1275, 1675, 2075},
       7},
      {"thai_ckn",
       "The Thai Chicken Pizza",
       "Chicken",
       "Chicken, Pineapple, Tomatoes, Red Peppers, Thai Sweet Chilli Sauce",
       {1275, 1675, 2075},
       9},
      {"big_meat",
       "The Big Meat Pizza",
       "Classic",
       "Bacon, Pepperoni, Italian Sausage, Chorizo Sausage",
       {1200, 1600, 2050},
       7},
      {"classic_dlx",
       "The Classic Deluxe Pizza",
       "Classic",
       "Pepperoni, Mushrooms, Red Onions, Red Peppers, Bacon",
       {1200, 1600, 2050},
       10},
      {"hawaiian", "The Hawaiian Pizza", "Classic", "Sliced Ham, Pineapple, Mozzarella Cheese", {1050, 1325, 1650}, 9},
      {"ital_cpcllo",
       "The Italian Capocollo Pizza",
       "Classic",
       "Capocollo, Red Peppers, Tomatoes, Goat Cheese, Garlic, Oregano",
       {1200, 1600, 2050},
       6},
      {"napolitana",
       "The Napolitana Pizza",
       "Classic",
       "Tomatoes, Anchovies, Green Olives, Red Onions, Garlic",
       {1200, 1600, 2050},
       5},
      {"pep_msh_pep",
       "The Pepperoni, Mushroom, and Peppers Pizza",
       "Classic",
       "Pepperoni, Mushrooms, Green Peppers",
       {1100, 1450, 1750},
       5},
      {"pepperoni", "The Pepperoni Pizza", "Classic", "Mozzarella Cheese, Pepperoni", {975, 1250, 1525}, 10},
      {"the_greek",
       "The Greek Pizza",
       "Classic",
       "Kalamata Olives, Feta Cheese, Tomatoes, Garlic, Beef Chuck Roast, Red Onions",
       {1200, 1600, 2050},
       1},
      {"brie_carre",
       "The Brie Carre Pizza",
       "Supreme",
       "Brie Carre Cheese, Prosciutto, Caramelized Onions, Pears, Thyme, Garlic",
       {1950, 2350, 2750},
       1},
      {"calabrese",
       "The Calabrese Pizza",
       "Supreme",
       "'Nduja Salami, Pancetta, Tomatoes, Red Onions, Friggitello Peppers, Garlic",
       {1225, 1625, 2025},
       3},
      {"ital_supr",
       "The Italian Supreme Pizza",
       "Supreme",
       "Calabrese Salami, Capocollo, Tomatoes, Red Onions, Green Olives, Garlic",
       {1250, 1650, 2075},
       7},
      {"peppr_salami",
       "The Pepper Salami Pizza",
       "Supreme",
       "Genoa Salami, Capocollo, Pepperoni, Tomatoes, Asiago Cheese, Garlic",
       {1250, 1650, 2075},
       6},
      {"prsc_argla",
       "The Prosciutto and Arugula Pizza",
       "Supreme",
       "Prosciutto di San Daniele, Arugula, Mozzarella Cheese",
       {1250, 1650, 2075},
       6},
      {"sicilian",
       "The Sicilian Pizza",
       "Supreme",
       "Coarse Sicilian Salami, Tomatoes, Green Olives, Luganega Sausage, Onions, Garlic",
       {1250, 1650, 2075},
       7},
      {"soppressata",
       "The Soppressata Pizza",
       "Supreme",
       "Soppressata Salami, Fontina Cheese, Mozzarella Cheese, Mushrooms, Garlic",
       {1250, 1650, 2075},
       3},
      {"spicy_ital",
       "The Spicy Italian Pizza",
       "Supreme",
       "Capocollo, Tomatoes, Goat Cheese, Artichokes, Peperoncini verdi, Garlic",
       {1250, 1650, 2075},
       7},
      {"spinach_supr",
       "The Spinach Supreme Pizza",
       "Supreme",
       "Spinach, Red Onions, Pepperoni, Tomatoes, Artichokes, Kalamata Olives, Garlic, Asiago Cheese",
       {1250, 1650, 2075},
       3},
      {"five_cheese",
       "The Five Cheese Pizza",
       "Veggie",
       "Mozzarella Cheese, Provolone Cheese, Smoked Gouda Cheese, Romano Cheese, Blue Cheese, Garlic",
       {1450, 1850, 2250},
       5},
      {"four_cheese",
       "The Four Cheese Pizza",
       "Veggie",
       "Ricotta Cheese, Gorgonzola Piccante Cheese, Mozzarella Cheese, Parmigiano Reggiano Cheese, Garlic",
       {1175, 1450, 1795},
       8},
      {"green_garden",
       "The Green Garden Pizza",
       "Veggie",
       "Spinach, Mushrooms, Tomatoes, Green Olives, Feta Cheese",
       {1200, 1600, 2025},
       3},
      {"ital_veggie",
       "The Italian Vegetables Pizza",
       "Veggie",
       "Eggplant, Artichokes, Tomatoes, Zucchini, Red Peppers, Garlic, Pesto Sauce",
       {1275, 1675, 2125},
       4},
      {"mediterraneo",
       "The Mediterranean Pizza",
       "Veggie",
       "Spinach, Artichokes, Kalamata Olives, Sun-dried Tomatoes, Feta Cheese, Plum Tomatoes, Red Onions",
       {1200, 1600, 2025},
       3},
      {"mexicana",
       "The Mexicana Pizza",
       "Veggie",
       "Tomatoes, Red Peppers, Jalapeno Peppers, Red Onions, Cilantro, Corn, Chipotle Sauce, Garlic",
       {1200, 1600, 2050},
       5},
      {"spin_pesto",
       "The Spinach Pesto Pizza",
       "Veggie",
       "Spinach, Artichokes, Tomatoes, Sun-dried Tomatoes, Garlic, Pesto Sauce",
       {1250, 1650, 2075},
       3},
      {"spinach_fet",
       "The Spinach and Feta Pizza",
       "Veggie",
       "Spinach, Mushrooms, Red Onions, Feta Cheese, Garlic",
       {1200, 1600, 2025},
       4},
      {"veggie_veg",
       "The Vegetables + Vegetables Pizza",
       "Veggie",
       "Mushrooms, Tomatoes, Red Peppers, Green Peppers, Red Onions, Zucchini, Spinach, Garlic",
       {1200, 1600, 2025},
       5},
  };
  return kMenu;
}

void generate_orders(const SampleParameters& parameters,
                     const std::function<void(std::chrono::sys_days, const std::vector<OrderLine>&)>& emit_day) {
  const auto& types = menu();
  std::vector<std::uint64_t> popularity;
  for (const auto& type : types) popularity.push_back(type.popularity);
  const std::uint64_t popularity_total = sum_of(popularity);
  const std::uint64_t hour_total = sum_of(kHourWeights);
  const std::uint64_t size_total = sum_of(kSizeWeights);
  const std::uint64_t quantity_total = sum_of(kQuantityWeights);

  SplitMix64 random(parameters.seed);
  std::int64_t last_order_id = 0;
  std::int64_t last_order_details_id = 0;
  std::vector<int> order_times;
  std::vector<OrderLine> lines;
  for (int day_index = 0; day_index < parameters.days; ++day_index) {
    const std::chrono::sys_days day = parameters.start + std::chrono::days(day_index);
    const unsigned monday_based_weekday = std::chrono::weekday(day).iso_encoding() - 1;
    const int orders =
        kOrdersPerWeekday[monday_based_weekday] - kOrdersJitter + static_cast<int>(random.below(2 * kOrdersJitter + 1));

    order_times.clear();
    for (int order = 0; order < orders; ++order) {
      const int hour = kOpeningHour + static_cast<int>(pick_weighted(random, kHourWeights, hour_total));
      order_times.push_back(hour * 3600 + static_cast<int>(random.below(3600)));
    }
    std::sort(order_times.begin(), order_times.end());  // order ids increase with the time of day

    lines.clear();
    for (const int seconds_of_day : order_times) {
      const std::int64_t order_id = ++last_order_id;
      const int line_count = 1 + static_cast<int>(random.below(kMaxLinesPerOrder));
      const std::size_t first_line = lines.size();
      for (int line = 0; line < line_count; ++line) {
        int type_index = 0;
        Size size = Size::S;
        bool already_in_order = true;
        while (already_in_order) {  // each pizza_id at most once per order (its quantity says how many)
          type_index = static_cast<int>(pick_weighted(random, popularity, popularity_total));
          size = kSizes[pick_weighted(random, kSizeWeights, size_total)];
          already_in_order =
              std::any_of(lines.begin() + static_cast<std::ptrdiff_t>(first_line), lines.end(),
                          [&](const OrderLine& other) { return other.type_index == type_index && other.size == size; });
        }
        const int quantity = 1 + static_cast<int>(pick_weighted(random, kQuantityWeights, quantity_total));
        lines.push_back({++last_order_details_id, order_id, type_index, size, quantity, seconds_of_day});
      }
    }
    emit_day(day, lines);
  }
}

std::string pizza_id(const PizzaType& type, Size size) {
  return std::string(type.pizza_type_id) + std::string(kSizeSuffixes[static_cast<int>(size)]);
}

std::string format_date(std::chrono::sys_days day) {
  const std::chrono::year_month_day date(day);
  char text[16];
  const int year = static_cast<int>(date.year());
  const unsigned month = static_cast<unsigned>(date.month());
  const unsigned day_of_month = static_cast<unsigned>(date.day());
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", year, month, day_of_month);
  return text;
}

std::optional<std::chrono::sys_days> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto number = [&](std::size_t offset, std::size_t length) -> std::optional<int> {
    int value = 0;
    const char* first = text.data() + offset;
    const char* last = first + length;
    auto [end, error] = std::from_chars(first, last, value);
    if (error != std::errc() || end != last) return std::nullopt;
    return value;
  };
  const auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  if (!year || !month || !day) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date);
}

}  // namespace athena_runner::sample
