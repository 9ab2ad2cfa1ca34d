// Math the way Trino computes it (docs: functions/math, functions/bitwise, functions/aggregate).
//
// Scalars: the bitwise shifts and bit_count with Java's long arithmetic, from_base/to_base with Java's
// Long.parseLong/Long.toString, width_bucket. Aggregates: the statistical ones with Trino's online
// algorithms (Welford updates in input order, Trino's merge formulas when DuckDB combines partial
// states), so a result is Trino's double, NaN and Infinity inputs give NaN as in Java instead of DuckDB's
// "out of range" error, and the NULL cases (one row for a sample statistic, a non-finite correlation or
// slope) are Trino's.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../duckdb_handles.hpp"
#include "udf.hpp"

namespace athena_runner::engine::udf {
namespace {

// ---- the row loop every scalar here shares ----

// The input columns of one call: typed data and whether a row has every argument.
class Columns {
 public:
  explicit Columns(duckdb_data_chunk input) : rows_(duckdb_data_chunk_get_size(input)) {
    const idx_t count = duckdb_data_chunk_get_column_count(input);
    for (idx_t c = 0; c < count; ++c) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(input, c);
      data_.push_back(duckdb_vector_get_data(vector));
      validity_.push_back(duckdb_vector_get_validity(vector));
    }
  }
  idx_t rows() const { return rows_; }
  bool valid(idx_t row) const {
    return std::all_of(validity_.begin(), validity_.end(), [row](const uint64_t* v) { return row_valid(v, row); });
  }
  template <class T>
  T* data(idx_t column) const {
    return static_cast<T*>(data_[column]);
  }

 private:
  idx_t rows_;
  std::vector<void*> data_;
  std::vector<uint64_t*> validity_;
};

// Calls `body(columns, row)` for each row whose arguments are all non-NULL (the others are NULL); the
// body writes the row's result and returns an error message to fail the query with, or nothing.
template <class Body>
void each_row(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output, Body body) {
  const Columns columns(input);
  duckdb_vector_ensure_validity_writable(output);
  uint64_t* out_validity = duckdb_vector_get_validity(output);
  for (idx_t row = 0; row < columns.rows(); ++row) {
    if (!columns.valid(row)) {
      duckdb_validity_set_row_invalid(out_validity, row);
      continue;
    }
    if (std::optional<std::string> error = body(columns, row)) {
      duckdb_scalar_function_set_error(info, error->c_str());
      return;
    }
  }
}

template <class T>
T* output_data(duckdb_vector output) {
  return static_cast<T*>(duckdb_vector_get_data(output));
}

// ---- scalars over BIGINT arguments ----

constexpr int kMaxArity = 4;

// A scalar kernel: the arguments of one row, the result; false with `error` set fails the query.
using BigintKernel = bool (*)(const int64_t* args, int64_t& result, std::string& error);

template <int Arity, BigintKernel Kernel>
void bigint_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  auto* out = output_data<int64_t>(output);
  each_row(info, input, output, [out](const Columns& columns, idx_t row) -> std::optional<std::string> {
    int64_t args[kMaxArity] = {};
    for (int a = 0; a < Arity; ++a) args[a] = columns.data<int64_t>(a)[row];
    std::string error;
    if (!Kernel(args, out[row], error)) return error;
    return std::nullopt;
  });
}

// Java's `long << n` and `long >>> n` (n taken modulo 64), without C++'s undefined cases.
int64_t java_shift_left(int64_t value, int64_t shift) {
  return static_cast<int64_t>(static_cast<uint64_t>(value) << (static_cast<uint64_t>(shift) & 63U));
}
int64_t java_unsigned_shift_right(int64_t value, int64_t shift) {
  return static_cast<int64_t>(static_cast<uint64_t>(value) >> (static_cast<uint64_t>(shift) & 63U));
}
int64_t java_shift_right(int64_t value, int64_t shift) {
  return value >> (static_cast<uint64_t>(shift) & 63U);  // arithmetic on every compiler C++20 allows
}

// The value's bits as Trino keeps a `bits`-bit value in a long: the sign bit copied upwards.
int64_t sign_extend(int64_t value, int64_t bits) {
  if (bits >= 64) return value;
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  const uint64_t low = static_cast<uint64_t>(value) & mask;
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((low & sign) != 0 ? (low | ~mask) : low);
}

// args: value, shift, width of the value's type (8, 16, 32, 64): Java's long shift, then the type's sign bit
// copied upwards (Trino's preserveSign).
bool left_shift(const int64_t* args, int64_t& result, std::string&) {
  const int64_t shift = args[1];
  result = shift >= 64 ? 0 : sign_extend(java_shift_left(args[0], shift), args[2]);
  return true;
}

bool logical_right_shift(const int64_t* args, int64_t& result, std::string&) {
  const int64_t value = args[0];
  const int64_t shift = args[1];
  const int64_t bits = args[2];
  if (shift >= 64) {
    result = 0;
  } else if (shift == 0 || bits == 64) {
    result = bits == 64 ? java_unsigned_shift_right(value, shift) : value;
  } else {
    const auto mask = static_cast<int64_t>((uint64_t{1} << bits) - 1);
    result = java_unsigned_shift_right(value & mask, shift);
  }
  return true;
}

bool arithmetic_right_shift(const int64_t* args, int64_t& result, std::string&) {
  const int64_t value = args[0];
  const int64_t shift = args[1];
  if (shift >= 64) {
    result = value >= 0 ? 0 : -1;
  } else {
    result = java_shift_right(value, shift);
  }
  return true;
}

bool bit_count(const int64_t* args, int64_t& result, std::string& error) {
  const int64_t number = args[0];
  const int64_t bits = args[1];
  if (bits == 64) {
    result = std::popcount(static_cast<uint64_t>(number));
    return true;
  }
  if (bits <= 1 || bits > 64) {
    error = "Bits specified in bit_count must be between 2 and 64, got " + std::to_string(bits);
    return false;
  }
  const int64_t low_bits = static_cast<int64_t>((uint64_t{1} << (bits - 1)) - 1);
  if (number > low_bits || number < ~low_bits) {
    error = "Number must be representable with the bits specified. " + std::to_string(number) +
            " cannot be represented with " + std::to_string(bits) + " bits";
    return false;
  }
  result = std::popcount(static_cast<uint64_t>(number) & ((uint64_t{1} << bits) - 1));
  return true;
}

// round(integral, decimals) (Trino's roundLong): half away from zero at a negative number of decimals,
// failing when 10^-decimals or the result leaves a long, then the argument's type (args[2]: its width).
bool round_integral(const int64_t* args, int64_t& result, std::string& error) {
  const int64_t number = args[0];
  const int64_t decimals = args[1];
  const int64_t bits = args[2];
  constexpr int64_t kMaxLongPowerOfTen = 18;
  if (decimals >= 0) {
    result = number;
    return true;
  }
  if (-decimals > kMaxLongPowerOfTen) {
    error = "numerical overflow: " + std::to_string(number);
    return false;
  }
  int64_t factor = 1;
  for (int64_t i = 0; i < -decimals; ++i) factor *= 10;
  int64_t quotient = number / factor;
  const int64_t remainder = number % factor;
  const uint64_t magnitude = remainder < 0 ? 0 - static_cast<uint64_t>(remainder) : static_cast<uint64_t>(remainder);
  if (2 * magnitude >= static_cast<uint64_t>(factor)) quotient += number < 0 ? -1 : 1;
  if (__builtin_mul_overflow(quotient, factor, &result)) {
    error = "numerical overflow: " + std::to_string(number);
    return false;
  }
  if (bits < 64 && sign_extend(result, bits) != result) {
    error = std::string("Out of range for ") +
            (bits == 8    ? "tinyint"
             : bits == 16 ? "smallint"
                          : "integer") +
            ": " + std::to_string(result);
    return false;
  }
  return true;
}

// ---- base conversion (Java's Long.toString(value, radix) and Long.parseLong(text, radix)) ----

constexpr int64_t kMinRadix = 2;
constexpr int64_t kMaxRadix = 36;
constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";

std::optional<std::string> radix_error(int64_t radix) {
  if (radix >= kMinRadix && radix <= kMaxRadix) return std::nullopt;
  return "Radix must be between " + std::to_string(kMinRadix) + " and " + std::to_string(kMaxRadix);
}

std::string to_base(int64_t value, int64_t radix) {
  std::string digits;
  // Negative magnitudes cannot overflow: work on the value's negation's complement, as Java does.
  int64_t rest = value < 0 ? value : -value;
  do {
    digits.insert(digits.begin(), kDigits[static_cast<std::size_t>(-(rest % radix))]);
    rest /= radix;
  } while (rest != 0);
  return value < 0 ? "-" + digits : digits;
}

// Long.parseLong: an optional sign and one or more digits of the radix (ASCII letters in either case;
// Java also takes other Unicode digits, which fail here with Trino's message as any other text would).
std::optional<int64_t> parse_base(std::string_view text, int64_t radix) {
  if (text.empty()) return std::nullopt;
  std::size_t at = 0;
  const bool negative = text[0] == '-';
  if (text[0] == '-' || text[0] == '+') ++at;
  if (at == text.size()) return std::nullopt;
  // Accumulate negatively, so that Long.MIN_VALUE parses.
  const int64_t limit = negative ? std::numeric_limits<int64_t>::min() : -std::numeric_limits<int64_t>::max();
  int64_t result = 0;
  for (; at < text.size(); ++at) {
    const char c = text[at];
    int64_t digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'z') digit = c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') digit = c - 'A' + 10;
    if (digit < 0 || digit >= radix) return std::nullopt;
    if (result < limit / radix) return std::nullopt;
    result *= radix;
    if (result < limit + digit) return std::nullopt;
    result -= digit;
  }
  return negative ? result : -result;
}

void to_base_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  each_row(info, input, output, [output](const Columns& columns, idx_t row) -> std::optional<std::string> {
    const int64_t radix = columns.data<int64_t>(1)[row];
    if (auto error = radix_error(radix)) return error;
    set_string(output, row, to_base(columns.data<int64_t>(0)[row], radix));
    return std::nullopt;
  });
}

void from_base_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  auto* out = output_data<int64_t>(output);
  each_row(info, input, output, [out](const Columns& columns, idx_t row) -> std::optional<std::string> {
    const int64_t radix = columns.data<int64_t>(1)[row];
    if (auto error = radix_error(radix)) return error;
    const std::string_view digits = string_at(columns.data<duckdb_string_t>(0), row);
    auto parsed = parse_base(digits, radix);
    if (!parsed) return "Not a valid base-" + std::to_string(radix) + " number: " + std::string(digits);
    out[row] = *parsed;
    return std::nullopt;
  });
}

// ---- round(double, decimals): Trino's, on Java's Math.round (half up, NaN to 0, saturating at the ends
// of a long), so that round(1e20) is 9.223372036854776E18 as there ----

int64_t java_double_to_long(double value);

int64_t java_round(double value) {
  if (std::isnan(value)) return 0;
  const double floor = std::floor(value);
  return java_double_to_long(value - floor >= 0.5 ? floor + 1 : floor);  // value - floor is exact
}

double round_double(double number, int64_t decimals) {
  if (std::isnan(number) || std::isinf(number)) return number;
  const double factor = std::pow(10.0, static_cast<double>(decimals));
  if (number < 0) return -(static_cast<double>(java_round(-number * factor)) / factor);
  return static_cast<double>(java_round(number * factor)) / factor;
}

void round_double_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  auto* out = output_data<double>(output);
  each_row(info, input, output, [out](const Columns& columns, idx_t row) -> std::optional<std::string> {
    out[row] = round_double(columns.data<double>(0)[row], columns.data<int64_t>(1)[row]);
    return std::nullopt;
  });
}

// ---- double functions with C's Annex F results (NaN for sin(Infinity), asin(2), ... where DuckDB fails),
// which are Java's; pow with Java's two cases that differ from C's: a NaN exponent, and |base| = 1 with an
// infinite exponent, give NaN ----

using DoubleKernel = double (*)(double);

template <DoubleKernel Kernel>
void double_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  auto* out = output_data<double>(output);
  each_row(info, input, output, [out](const Columns& columns, idx_t row) -> std::optional<std::string> {
    out[row] = Kernel(columns.data<double>(0)[row]);
    return std::nullopt;
  });
}

double java_pow(double base, double exponent) {
  if (std::isnan(exponent) && exponent != 0) return std::numeric_limits<double>::quiet_NaN();
  if (std::fabs(base) == 1 && std::isinf(exponent)) return std::numeric_limits<double>::quiet_NaN();
  return std::pow(base, exponent);
}

void pow_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  auto* out = output_data<double>(output);
  each_row(info, input, output, [out](const Columns& columns, idx_t row) -> std::optional<std::string> {
    out[row] = java_pow(columns.data<double>(0)[row], columns.data<double>(1)[row]);
    return std::nullopt;
  });
}

// Java 9+'s Math.toDegrees and Math.toRadians: one multiplication by the rounded constant.
constexpr double kRadiansToDegrees = 57.29577951308232;
constexpr double kDegreesToRadians = 0.017453292519943295;
double to_degrees(double radians) { return radians * kRadiansToDegrees; }
double to_radians(double degrees) { return degrees * kDegreesToRadians; }
double c_sin(double x) { return std::sin(x); }
double c_cos(double x) { return std::cos(x); }
double c_tan(double x) { return std::tan(x); }
double c_asin(double x) { return std::asin(x); }
double c_acos(double x) { return std::acos(x); }
double c_atan(double x) { return std::atan(x); }
double c_sinh(double x) { return std::sinh(x); }
double c_cosh(double x) { return std::cosh(x); }
double c_tanh(double x) { return std::tanh(x); }

// Java's Math.cbrt is fdlibm's cbrt (StrictMath), within 0.667 ulp; glibc's is not the same function
// (cbrt(27) is 3.0000000000000004 there, 3.0 in Java). fdlibm's algorithm (s_cbrt.c): a 5-bit estimate from
// the exponent, a rational step to 23 bits, one Newton step.
uint32_t high_word(double x) { return static_cast<uint32_t>(std::bit_cast<uint64_t>(x) >> 32); }
uint32_t low_word(double x) { return static_cast<uint32_t>(std::bit_cast<uint64_t>(x)); }
double with_words(uint32_t high, uint32_t low) {
  return std::bit_cast<double>((static_cast<uint64_t>(high) << 32) | low);
}

double fdlibm_cbrt(double x) {
  constexpr uint32_t kB1 = 715094163;                 // (682 - 0.03306235651) * 2^20
  constexpr uint32_t kB2 = 696219795;                 // (664 - 0.03306235651) * 2^20
  constexpr double kC = 5.42857142857142815906e-01;   // 19/35
  constexpr double kD = -7.05306122448979611050e-01;  // -864/1225
  constexpr double kE = 1.41428571428571436819e+00;   // 99/70
  constexpr double kF = 1.60714285714285720630e+00;   // 45/28
  constexpr double kG = 3.57142857142857150787e-01;   // 5/14
  uint32_t high = high_word(x);
  const uint32_t sign = high & 0x80000000U;
  high ^= sign;
  if (high >= 0x7ff00000U) return x + x;    // NaN and the infinities are their own cube root
  if ((high | low_word(x)) == 0) return x;  // so are both zeros
  x = with_words(high, low_word(x));        // |x|
  double t = 0;
  if (high < 0x00100000U) {              // subnormal
    t = with_words(0x43500000U, 0) * x;  // 2^54 * x
    t = with_words(high_word(t) / 3 + kB2, low_word(t));
  } else {
    t = with_words(high / 3 + kB1, 0);
  }
  double r = t * t / x;
  double s = kC + r * t;
  t *= kG + kF / (s + kE + kD / s);
  t = with_words(high_word(t) + 1, 0);  // chopped to 20 bits, made larger than cbrt(x)
  s = t * t;                            // exact
  r = x / s;
  const double w = t + t;
  r = (r - t) / (w + r);
  t = t + t * r;
  return with_words(high_word(t) | sign, low_word(t));
}

// ---- width_bucket(operand, bound1, bound2, bucket_count) ----

// Java's (long) of a double: truncation, NaN to 0, saturating at the ends.
int64_t java_double_to_long(double value) {
  if (std::isnan(value)) return 0;
  if (value >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (value <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

std::optional<std::string> width_bucket(double operand, double bound1, double bound2, int64_t count, int64_t& result) {
  if (count <= 0) return "bucketCount must be greater than 0";
  if (std::isnan(operand)) return "operand must not be NaN";
  if (!std::isfinite(bound1)) return "first bound must be finite";
  if (!std::isfinite(bound2)) return "second bound must be finite";
  if (bound1 == bound2) return "bounds cannot equal each other";
  const double lower = std::min(bound1, bound2);
  const double upper = std::max(bound1, bound2);
  if (operand < lower) {
    result = 0;
  } else if (operand >= upper) {
    if (count == std::numeric_limits<int64_t>::max()) {
      return "Bucket for value " + java_floating_string(operand) + " is out of range";
    }
    result = count + 1;
  } else {
    result = java_double_to_long(static_cast<double>(count) * (operand - lower) / (upper - lower) + 1);
  }
  if (bound1 > bound2) result = (count - result) + 1;
  return std::nullopt;
}

void width_bucket_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  auto* out = output_data<int64_t>(output);
  each_row(info, input, output, [out](const Columns& columns, idx_t row) {
    return width_bucket(columns.data<double>(0)[row], columns.data<double>(1)[row], columns.data<double>(2)[row],
                        columns.data<int64_t>(3)[row], out[row]);
  });
}

// width_bucket(operand, bins): Trino's binary search, which checks only the bins it visits.
std::optional<std::string> width_bucket_bins(double operand, const double* bins, const uint64_t* bin_validity,
                                             duckdb_list_entry entry, int64_t& result) {
  if (entry.length == 0) return "Bins cannot be an empty array";
  if (std::isnan(operand)) return "Operand cannot be NaN";
  for (idx_t i = 0; i < entry.length; ++i) {
    if (!row_valid(bin_validity, entry.offset + i)) {
      return std::string("width_bucket with a NULL bin is not supported by the local engine");
    }
  }
  auto bin = [&](int64_t i) { return bins[entry.offset + static_cast<idx_t>(i)]; };
  int64_t lower = 0;
  auto upper = static_cast<int64_t>(entry.length);
  while (lower < upper) {
    if (bin(lower) > bin(upper - 1)) return "Bin values are not sorted in ascending order";
    const int64_t index = (lower + upper) / 2;
    const double value = bin(index);
    if (!std::isfinite(value)) return "Bin value must be finite, got " + java_floating_string(value);
    if (operand < value) {
      upper = index;
    } else {
      lower = index + 1;
    }
  }
  result = lower;
  return std::nullopt;
}

void width_bucket_bins_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  duckdb_vector child = duckdb_list_vector_get_child(duckdb_data_chunk_get_vector(input, 1));
  const auto* bins = static_cast<const double*>(duckdb_vector_get_data(child));
  const uint64_t* bin_validity = duckdb_vector_get_validity(child);
  auto* out = output_data<int64_t>(output);
  each_row(info, input, output, [&](const Columns& columns, idx_t row) {
    return width_bucket_bins(columns.data<double>(0)[row], bins, bin_validity, columns.data<duckdb_list_entry>(1)[row],
                             out[row]);
  });
}

// ---- wilson_interval_lower / wilson_interval_upper(successes, trials, z): Trino's formula ----

template <int Bound>
void wilson_function(duckdb_function_info info, duckdb_data_chunk input, duckdb_vector output) {
  auto* out = output_data<double>(output);
  each_row(info, input, output, [out](const Columns& columns, idx_t row) -> std::optional<std::string> {
    const int64_t successes = columns.data<int64_t>(0)[row];
    const int64_t trials = columns.data<int64_t>(1)[row];
    const double z = columns.data<double>(2)[row];
    if (successes < 0) return "number of successes must not be negative";
    if (trials <= 0) return "number of trials must be positive";
    if (successes > trials) return "number of successes must not be larger than number of trials";
    if (!(z >= 0)) return "z-score must not be negative";
    const double p = static_cast<double>(successes) * 1.0 / static_cast<double>(trials);
    const auto n = static_cast<double>(trials);
    out[row] =
        (p + (z * z) / (2 * n) + Bound * z * std::sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
    return std::nullopt;
  });
}

// ---- statistical aggregates (Trino's states: VarianceState, CovarianceState, CorrelationState,
// RegressionState, CentralMomentsState, geometric_mean's count and sum of logarithms) ----

struct Variance {
  int64_t count = 0;
  double mean = 0;
  double m2 = 0;
  void update(const double* x) {
    count += 1;
    const double delta = x[0] - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (x[0] - mean);
  }
  void merge(const Variance& other) {
    if (other.count == 0) return;
    const int64_t total = other.count + count;
    const double new_mean = ((static_cast<double>(other.count) * other.mean) + (static_cast<double>(count) * mean)) /
                            static_cast<double>(total);
    const double delta = other.mean - mean;
    m2 = m2 + other.m2 +
         delta * delta * static_cast<double>(other.count) * static_cast<double>(count) / static_cast<double>(total);
    count = total;
    mean = new_mean;
  }
};

std::optional<double> var_samp(const Variance& s) {
  if (s.count < 2) return std::nullopt;
  return s.m2 / static_cast<double>(s.count - 1);
}
std::optional<double> var_pop(const Variance& s) {
  if (s.count == 0) return std::nullopt;
  return s.m2 / static_cast<double>(s.count);
}
std::optional<double> stddev_samp(const Variance& s) {
  auto v = var_samp(s);
  return v ? std::optional<double>(std::sqrt(*v)) : std::nullopt;
}
std::optional<double> stddev_pop(const Variance& s) {
  auto v = var_pop(s);
  return v ? std::optional<double>(std::sqrt(*v)) : std::nullopt;
}

// Sums are written left to right as Trino writes them (a + b + c, not a += b + c): the rounding is Java's.

// Two-argument aggregates take (y, x): the dependent value first, as Trino's corr(y, x).
struct Covariance {
  int64_t count = 0;
  double mean_x = 0;
  double mean_y = 0;
  double c2 = 0;
  void update_xy(double x, double y) {
    count += 1;
    const auto n = static_cast<double>(count);
    const double old_mean_x = mean_x;
    mean_x = old_mean_x + (x - old_mean_x) / n;
    const double new_mean_y = mean_y + (y - mean_y) / n;
    mean_y = new_mean_y;
    c2 += (x - old_mean_x) * (y - new_mean_y);
  }
  void update(const double* args) { update_xy(args[1], args[0]); }
  void merge(const Covariance& other) {
    if (other.count == 0) return;
    const auto na = static_cast<double>(count);
    const auto nb = static_cast<double>(other.count);
    count += other.count;
    const auto n = static_cast<double>(count);
    const double delta_x = other.mean_x - mean_x;
    const double delta_y = other.mean_y - mean_y;
    c2 = c2 + other.c2 + delta_x * delta_y * na * nb / n;
    mean_x += delta_x * nb / n;
    mean_y += delta_y * nb / n;
  }
};

std::optional<double> covar_samp(const Covariance& s) {
  if (s.count <= 1) return std::nullopt;
  return s.c2 / static_cast<double>(s.count - 1);
}
std::optional<double> covar_pop(const Covariance& s) {
  if (s.count == 0) return std::nullopt;
  return s.c2 / static_cast<double>(s.count);
}

// The extra sums of squares of correlation and regression, merged before the covariance part (which
// moves the means), as Trino does.
double merged_m2(double m2, double other_m2, int64_t na, int64_t nb, double mean, double other_mean) {
  return m2 + other_m2 + static_cast<double>(na * nb) * std::pow(mean - other_mean, 2) / static_cast<double>(na + nb);
}

struct Correlation {
  Covariance covariance;
  double m2_x = 0;
  double m2_y = 0;
  void update(const double* args) {
    const double y = args[0];
    const double x = args[1];
    const double old_mean_x = covariance.mean_x;
    const double old_mean_y = covariance.mean_y;
    covariance.update_xy(x, y);
    m2_x += (x - old_mean_x) * (x - covariance.mean_x);
    m2_y += (y - old_mean_y) * (y - covariance.mean_y);
  }
  void merge(const Correlation& other) {
    if (other.covariance.count == 0) return;
    m2_x = merged_m2(m2_x, other.m2_x, covariance.count, other.covariance.count, covariance.mean_x,
                     other.covariance.mean_x);
    m2_y = merged_m2(m2_y, other.m2_y, covariance.count, other.covariance.count, covariance.mean_y,
                     other.covariance.mean_y);
    covariance.merge(other.covariance);
  }
};

std::optional<double> corr(const Correlation& s) {
  const double result = s.covariance.c2 / std::sqrt(s.m2_x) / std::sqrt(s.m2_y);
  if (!std::isfinite(result)) return std::nullopt;
  return result;
}

struct Regression {
  Covariance covariance;
  double m2_x = 0;
  void update(const double* args) {
    const double x = args[1];
    const double old_mean_x = covariance.mean_x;
    covariance.update_xy(x, args[0]);
    m2_x += (x - old_mean_x) * (x - covariance.mean_x);
  }
  void merge(const Regression& other) {
    if (other.covariance.count == 0) return;
    m2_x = merged_m2(m2_x, other.m2_x, covariance.count, other.covariance.count, covariance.mean_x,
                     other.covariance.mean_x);
    covariance.merge(other.covariance);
  }
};

std::optional<double> regr_slope(const Regression& s) {
  const double result = s.covariance.c2 / s.m2_x;
  if (!std::isfinite(result)) return std::nullopt;
  return result;
}
std::optional<double> regr_intercept(const Regression& s) {
  const double slope = s.covariance.c2 / s.m2_x;
  const double result = s.covariance.mean_y - slope * s.covariance.mean_x;
  if (!std::isfinite(result)) return std::nullopt;
  return result;
}

struct CentralMoments {
  int64_t count = 0;
  double m1 = 0;
  double m2 = 0;
  double m3 = 0;
  double m4 = 0;
  void update(const double* args) {
    const double value = args[0];
    const int64_t n1 = count;
    const int64_t n = n1 + 1;
    const double delta = value - m1;
    const double delta_n = delta / static_cast<double>(n);
    const double delta_n2 = delta_n * delta_n;
    const double dm2 = delta * delta_n * static_cast<double>(n1);
    const double old_m2 = m2;
    const double old_m3 = m3;
    count = n;
    m1 += delta_n;
    m2 = old_m2 + dm2;
    m3 = old_m3 + dm2 * delta_n * static_cast<double>(n - 2) - 3 * delta_n * old_m2;
    m4 = m4 + dm2 * delta_n2 * (static_cast<double>(n) * static_cast<double>(n) - static_cast<double>(3 * n) + 3) +
         6 * delta_n2 * old_m2 - 4 * delta_n * old_m3;
  }
  void merge(const CentralMoments& other) {
    if (other.count == 0) return;
    const auto na = static_cast<double>(count);
    const auto nb = static_cast<double>(other.count);
    const double n = na + nb;
    const double delta = other.m1 - m1;
    const double delta2 = delta * delta;
    const double delta3 = delta * delta2;
    const double delta4 = delta2 * delta2;
    const double m2a = m2;
    const double m3a = m3;
    count += other.count;
    m1 = (na * m1 + nb * other.m1) / n;
    m2 = m2a + other.m2 + delta2 * na * nb / n;
    m3 = m3a + other.m3 + delta3 * na * nb * (na - nb) / (n * n) + 3 * delta * (na * other.m2 - nb * m2a) / n;
    m4 = m4 + other.m4 + delta4 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
         6 * delta2 * (na * na * other.m2 + nb * nb * m2a) / (n * n) + 4 * delta * (na * other.m3 - nb * m3a) / n;
  }
};

std::optional<double> skewness(const CentralMoments& s) {
  if (s.count < 3) return std::nullopt;
  return std::sqrt(static_cast<double>(s.count)) * s.m3 / std::pow(s.m2, 1.5);
}
std::optional<double> kurtosis(const CentralMoments& s) {
  const auto n = static_cast<double>(s.count);
  if (n < 4) return std::nullopt;
  return ((n - 1) * n * (n + 1)) / ((n - 2) * (n - 3)) * s.m4 / (s.m2 * s.m2) -
         3 * ((n - 1) * (n - 1)) / ((n - 2) * (n - 3));
}

// avg of integers, reals and doubles (Trino's LongAndDoubleState): a double sum, so that large bigints
// round as there (DuckDB sums integers exactly).
struct Average {
  int64_t count = 0;
  double sum = 0;
  void update(const double* args) {
    count += 1;
    sum += args[0];
  }
  void merge(const Average& other) {
    count += other.count;
    sum += other.sum;
  }
};

std::optional<double> average(const Average& s) {
  if (s.count == 0) return std::nullopt;
  return s.sum / static_cast<double>(s.count);
}

struct LogSum {
  int64_t count = 0;
  double sum = 0;
  void update(const double* args) {
    count += 1;
    sum += std::log(args[0]);
  }
  void merge(const LogSum& other) {
    count += other.count;
    sum += other.sum;
  }
};

std::optional<double> geometric_mean(const LogSum& s) {
  if (s.count == 0) return std::nullopt;
  return std::exp(s.sum / static_cast<double>(s.count));
}

// ---- checksum (Trino's ChecksumAggregationFunction): the sum, wrapping, of xxHash64(value) * PRIME64
// (PRIME64 alone for a NULL), as 8 little-endian bytes; NULL without rows. xxHash64 is the type's: of the
// long for bigint (airlift's XxHash64.hash(long), XXH64 of its 8 bytes), of the bytes for varchar and
// varbinary; both with seed 0. ----

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kPrime4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kPrime5 = 0x27D4EB2F165667C5ULL;

uint64_t read_le(const unsigned char* p, int bytes) {
  uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}
uint64_t xxh_round(uint64_t accumulator, uint64_t input) {
  return std::rotl(accumulator + input * kPrime2, 31) * kPrime1;
}
uint64_t xxh_merge(uint64_t hash, uint64_t value) { return (hash ^ xxh_round(0, value)) * kPrime1 + kPrime4; }

uint64_t xxh64(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const unsigned char* end = p + data.size();
  uint64_t hash = 0;
  if (data.size() >= 32) {
    uint64_t v[4] = {kPrime1 + kPrime2, kPrime2, 0, 0 - kPrime1};
    for (; end - p >= 32; p += 32) {
      for (std::ptrdiff_t lane = 0; lane < 4; ++lane) v[lane] = xxh_round(v[lane], read_le(p + 8 * lane, 8));
    }
    hash = std::rotl(v[0], 1) + std::rotl(v[1], 7) + std::rotl(v[2], 12) + std::rotl(v[3], 18);
    for (uint64_t lane : v) hash = xxh_merge(hash, lane);
  } else {
    hash = kPrime5;
  }
  hash += data.size();
  for (; end - p >= 8; p += 8) hash = std::rotl(hash ^ xxh_round(0, read_le(p, 8)), 27) * kPrime1 + kPrime4;
  if (end - p >= 4) {
    hash = std::rotl(hash ^ (read_le(p, 4) * kPrime1), 23) * kPrime2 + kPrime3;
    p += 4;
  }
  for (; p < end; ++p) hash = std::rotl(hash ^ (*p * kPrime5), 11) * kPrime1;
  hash ^= hash >> 33;
  hash *= kPrime2;
  hash ^= hash >> 29;
  hash *= kPrime3;
  hash ^= hash >> 32;
  return hash;
}

uint64_t xxh64_of_long(int64_t value) {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(static_cast<uint64_t>(value) >> (8 * i));
  return xxh64(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

struct Checksum {
  bool seen = false;
  uint64_t sum = 0;
  void merge(const Checksum& other) {
    seen = seen || other.seen;
    sum += other.sum;
  }
};

// `Text`: the argument is varchar or varbinary (else bigint).
template <bool Text>
void checksum_update(duckdb_function_info, duckdb_data_chunk input, duckdb_aggregate_state* states) {
  const Columns columns(input);
  duckdb_vector values = duckdb_data_chunk_get_vector(input, 0);
  const uint64_t* validity = duckdb_vector_get_validity(values);
  for (idx_t row = 0; row < columns.rows(); ++row) {
    auto& state = *reinterpret_cast<Checksum*>(states[row]);
    state.seen = true;
    if (!row_valid(validity, row)) {
      state.sum += kPrime1;
    } else if constexpr (Text) {
      state.sum += xxh64(string_at(columns.data<duckdb_string_t>(0), row)) * kPrime1;
    } else {
      state.sum += xxh64_of_long(columns.data<int64_t>(0)[row]) * kPrime1;
    }
  }
}

void checksum_finalize(duckdb_function_info, duckdb_aggregate_state* source, duckdb_vector result, idx_t count,
                       idx_t offset) {
  duckdb_vector_ensure_validity_writable(result);
  uint64_t* validity = duckdb_vector_get_validity(result);
  for (idx_t i = 0; i < count; ++i) {
    const auto& state = *reinterpret_cast<const Checksum*>(source[i]);
    if (!state.seen) {
      duckdb_validity_set_row_invalid(validity, offset + i);
      continue;
    }
    char bytes[8];
    for (int b = 0; b < 8; ++b) bytes[b] = static_cast<char>(state.sum >> (8 * b));
    duckdb_vector_assign_string_element_len(result, offset + i, bytes, sizeof bytes);
  }
}

template <class State>
idx_t state_size(duckdb_function_info) {
  return sizeof(State);
}

template <class State>
void state_init(duckdb_function_info, duckdb_aggregate_state state) {
  new (static_cast<void*>(state)) State();
}

template <class State>
State& state_of(duckdb_aggregate_state state) {
  return *reinterpret_cast<State*>(state);
}

// Rows with a NULL argument are skipped, as Trino's input functions never see them.
template <class State, int Arity>
void state_update(duckdb_function_info, duckdb_data_chunk input, duckdb_aggregate_state* states) {
  const Columns columns(input);
  for (idx_t row = 0; row < columns.rows(); ++row) {
    if (!columns.valid(row)) continue;
    double args[Arity];
    for (int a = 0; a < Arity; ++a) args[a] = columns.data<double>(a)[row];
    state_of<State>(states[row]).update(args);
  }
}

template <class State>
void state_combine(duckdb_function_info, duckdb_aggregate_state* source, duckdb_aggregate_state* target, idx_t count) {
  for (idx_t i = 0; i < count; ++i) state_of<State>(target[i]).merge(state_of<State>(source[i]));
}

template <class State, std::optional<double> (*Output)(const State&)>
void state_finalize(duckdb_function_info, duckdb_aggregate_state* source, duckdb_vector result, idx_t count,
                    idx_t offset) {
  auto* out = static_cast<double*>(duckdb_vector_get_data(result));
  duckdb_vector_ensure_validity_writable(result);
  uint64_t* validity = duckdb_vector_get_validity(result);
  for (idx_t i = 0; i < count; ++i) {
    auto value = Output(state_of<State>(source[i]));
    if (value) {
      out[offset + i] = *value;
    } else {
      duckdb_validity_set_row_invalid(validity, offset + i);
    }
  }
}

struct Aggregate {
  const char* name;
  int arity;  // arguments, all of type `argument`
  duckdb_type argument;
  duckdb_type returns;
  duckdb_aggregate_state_size size;
  duckdb_aggregate_init_t init;
  duckdb_aggregate_update_t update;
  duckdb_aggregate_combine_t combine;
  duckdb_aggregate_finalize_t finalize;
};

template <class State, int Arity, std::optional<double> (*Output)(const State&)>
Aggregate aggregate(const char* name) {
  return {name,
          Arity,
          DUCKDB_TYPE_DOUBLE,
          DUCKDB_TYPE_DOUBLE,
          &state_size<State>,
          &state_init<State>,
          &state_update<State, Arity>,
          &state_combine<State>,
          &state_finalize<State, Output>};
}

template <bool Text>
Aggregate checksum_aggregate(const char* name, duckdb_type argument) {
  return {name,
          1,
          argument,
          DUCKDB_TYPE_BLOB,
          &state_size<Checksum>,
          &state_init<Checksum>,
          &checksum_update<Text>,
          &state_combine<Checksum>,
          &checksum_finalize};
}

}  // namespace

void add_math_functions(std::vector<Scalar>& out) {
  const duckdb_type bigint = DUCKDB_TYPE_BIGINT;
  out.push_back({"ar_bitwise_left_shift", {bigint, bigint, bigint}, bigint, &bigint_function<3, left_shift>});
  out.push_back({"ar_bitwise_right_shift", {bigint, bigint, bigint}, bigint, &bigint_function<3, logical_right_shift>});
  out.push_back({"ar_bitwise_right_shift_arithmetic",
                 {bigint, bigint, bigint},
                 bigint,
                 &bigint_function<3, arithmetic_right_shift>});
  out.push_back({"ar_bit_count", {bigint, bigint}, bigint, &bigint_function<2, bit_count>});
  out.push_back({"ar_round_integral", {bigint, bigint, bigint}, bigint, &bigint_function<3, round_integral>});
  out.push_back({"ar_round_double", {DUCKDB_TYPE_DOUBLE, bigint}, DUCKDB_TYPE_DOUBLE, &round_double_function});
  const duckdb_type dbl = DUCKDB_TYPE_DOUBLE;
  out.push_back({"ar_power", {dbl, dbl}, dbl, &pow_function});
  const std::pair<const char*, duckdb_scalar_function_t> unary[] = {
      {"ar_degrees", &double_function<to_degrees>}, {"ar_radians", &double_function<to_radians>},
      {"ar_sin", &double_function<c_sin>},          {"ar_cos", &double_function<c_cos>},
      {"ar_tan", &double_function<c_tan>},          {"ar_asin", &double_function<c_asin>},
      {"ar_acos", &double_function<c_acos>},        {"ar_atan", &double_function<c_atan>},
      {"ar_sinh", &double_function<c_sinh>},        {"ar_cosh", &double_function<c_cosh>},
      {"ar_tanh", &double_function<c_tanh>},        {"ar_cbrt", &double_function<fdlibm_cbrt>},
  };
  for (const auto& [name, function] : unary) out.push_back({name, {dbl}, dbl, function});
  out.push_back({"ar_wilson_interval_lower", {bigint, bigint, dbl}, dbl, &wilson_function<-1>});
  out.push_back({"ar_wilson_interval_upper", {bigint, bigint, dbl}, dbl, &wilson_function<1>});
  out.push_back({"ar_to_base", {bigint, bigint}, DUCKDB_TYPE_VARCHAR, &to_base_function});
  out.push_back({"ar_from_base", {DUCKDB_TYPE_VARCHAR, bigint}, bigint, &from_base_function});
  out.push_back({"ar_width_bucket",
                 {DUCKDB_TYPE_DOUBLE, DUCKDB_TYPE_DOUBLE, DUCKDB_TYPE_DOUBLE, bigint},
                 bigint,
                 &width_bucket_function});
}

std::string register_math_extras(duckdb_connection connection) {
  {
    duckdb_scalar_function function = duckdb_create_scalar_function();
    duckdb_scalar_function_set_name(function, "ar_width_bucket_bins");
    duck::LogicalType operand(duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE));
    duck::LogicalType bins(duckdb_create_list_type(operand.get()));
    duck::LogicalType returns(duckdb_create_logical_type(DUCKDB_TYPE_BIGINT));
    duckdb_scalar_function_add_parameter(function, operand.get());
    duckdb_scalar_function_add_parameter(function, bins.get());
    duckdb_scalar_function_set_return_type(function, returns.get());
    duckdb_scalar_function_set_function(function, &width_bucket_bins_function);
    const bool registered = duckdb_register_scalar_function(connection, function) == DuckDBSuccess;
    duckdb_destroy_scalar_function(&function);
    if (!registered) return "ar_width_bucket_bins";
  }
  const Aggregate aggregates[] = {
      aggregate<Variance, 1, var_samp>("ar_var_samp"),
      aggregate<Variance, 1, var_pop>("ar_var_pop"),
      aggregate<Variance, 1, stddev_samp>("ar_stddev_samp"),
      aggregate<Variance, 1, stddev_pop>("ar_stddev_pop"),
      aggregate<Covariance, 2, covar_samp>("ar_covar_samp"),
      aggregate<Covariance, 2, covar_pop>("ar_covar_pop"),
      aggregate<Correlation, 2, corr>("ar_corr"),
      aggregate<Regression, 2, regr_slope>("ar_regr_slope"),
      aggregate<Regression, 2, regr_intercept>("ar_regr_intercept"),
      aggregate<CentralMoments, 1, skewness>("ar_skewness"),
      aggregate<CentralMoments, 1, kurtosis>("ar_kurtosis"),
      aggregate<LogSum, 1, geometric_mean>("ar_geometric_mean"),
      aggregate<Average, 1, average>("ar_avg"),
      checksum_aggregate<false>("ar_checksum_bigint", DUCKDB_TYPE_BIGINT),
      checksum_aggregate<true>("ar_checksum_varchar", DUCKDB_TYPE_VARCHAR),
      checksum_aggregate<true>("ar_checksum_varbinary", DUCKDB_TYPE_BLOB),
  };
  for (const auto& spec : aggregates) {
    duckdb_aggregate_function function = duckdb_create_aggregate_function();
    duckdb_aggregate_function_set_name(function, spec.name);
    duck::LogicalType type(duckdb_create_logical_type(spec.argument));
    duck::LogicalType returns(duckdb_create_logical_type(spec.returns));
    for (int a = 0; a < spec.arity; ++a) duckdb_aggregate_function_add_parameter(function, type.get());
    duckdb_aggregate_function_set_return_type(function, returns.get());
    // checksum counts NULL rows; the others skip them in their update.
    duckdb_aggregate_function_set_special_handling(function);
    duckdb_aggregate_function_set_functions(function, spec.size, spec.init, spec.update, spec.combine, spec.finalize);
    const bool registered = duckdb_register_aggregate_function(connection, function) == DuckDBSuccess;
    duckdb_destroy_aggregate_function(&function);
    if (!registered) return spec.name;
  }
  return {};
}

}  // namespace athena_runner::engine::udf
